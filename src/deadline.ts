/**
 * `promise`, or what `onTimeout` returns (or throws) once `ms` have passed, whichever settles first.
 * The timer is always cleared, so a settled race never keeps the process alive. The work itself is
 * not cancelled: abort it from `onTimeout` (an AbortController the work listens to) when it must stop.
 * The one timeout race of the service (health probes, route budgets, the LLM router, shutdown).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => T | PromiseLike<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
