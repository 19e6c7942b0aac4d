export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  label?: string;
  /** Minimum time between two lines on a non-TTY stream (default 5 s); a TTY redraws at most every 100 ms. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * A one-line progress report on stderr: done/total, percentage, items/s and ETA. On a TTY the line
 * is redrawn in place with `\r`; otherwise (CI logs, pipes) a full line is written every few
 * seconds, so logs stay readable.
 */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly label: string;
  private total = 0;
  private started = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(opts: ProgressOptions) {
    this.stream = opts.stream;
    this.tty = opts.stream.isTTY === true;
    this.now = opts.now ?? Date.now;
    this.interval = this.tty ? 100 : (opts.intervalMs ?? 5000);
    this.label = opts.label ?? 'ingest';
  }

  start(total: number): void {
    this.total = total;
    this.started = this.now();
    this.lastDraw = -Infinity;
  }

  /** Report `done` items; drawn only if the interval has passed since the last line. */
  update(done: number, detail = ''): void {
    const t = this.now();
    if (t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    this.draw(done, detail, false);
  }

  /** The final line (always drawn); ends the redrawn TTY line with a newline. */
  finish(done: number, detail = ''): void {
    this.draw(done, detail, true);
  }

  /** The text of the line, without control characters (pure; exported for tests). */
  line(done: number, detail = '', at = this.now()): string {
    return progressLine({ label: this.label, done, total: this.total, elapsedMs: at - this.started, detail });
  }

  private draw(done: number, detail: string, final: boolean): void {
    let text = this.line(done, detail);
    if (this.tty) {
      const width = this.stream.columns ?? 0;
      if (width > 10 && text.length >= width) text = text.slice(0, width - 1);
      // \r back to column 0, then clear to the end of the line: a shorter line leaves no leftovers.
      this.stream.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    } else {
      this.stream.write(`${text}\n`);
    }
    this.drawn = !final;
  }

  /** Whether a TTY line is open (a message written now should start with a newline). */
  get lineOpen(): boolean {
    return this.tty && this.drawn;
  }
}

export function progressLine(p: { label: string; done: number; total: number; elapsedMs: number; detail?: string }): string {
  const { done, total, elapsedMs } = p;
  const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
  const secs = elapsedMs / 1000;
  const rate = secs > 0 ? done / secs : 0;
  const eta = done >= total ? '0s' : rate > 0 ? formatDuration(((total - done) / rate) * 1000) : '?';
  const parts = [`[${p.label}] ${done}/${total} (${pct}%)`, `${rate.toFixed(1)} items/s`, `ETA ${eta}`];
  if (p.detail) parts.push(p.detail);
  return parts.join('  ');
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
