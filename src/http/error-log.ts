import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, AppError, errorDetail, isUnexpected } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestHooks, RequestHooksFactory } from './request-hooks.js';

/**
 * The log half of the one error path (formatError in src/errors.ts is the client half): unexpected
 * errors with their stack, and failed dependencies (UNAVAILABLE, TIMEOUT) with the detail the client
 * message leaves out (driver text, hosts and ports), each with the request's id so a client's
 * `extensions.requestId` finds the line.
 */
export function logErrors(log: Logger, requestId: string | undefined, errors: readonly unknown[]): void {
  for (const e of errors) {
    const original = unwrapResolverError(e);
    if (isUnexpected(e)) {
      log.error('unexpected error', { event: 'graphql.unexpected_error', requestId, err: original });
    } else if (original instanceof AppError && (original.code === ErrorCode.UNAVAILABLE || original.code === ErrorCode.TIMEOUT)) {
      log.warn(original.message, { event: 'graphql.dependency_error', requestId, code: original.code, ...original.details, detail: errorDetail(original.cause ?? original) });
    }
  }
}

export function errorLogHooks(log: Logger): RequestHooksFactory {
  const hooks: RequestHooks = {
    didEncounterErrors(rc) {
      logErrors(log, rc.contextValue?.requestId, rc.errors);
    },
  };
  return () => hooks;
}
