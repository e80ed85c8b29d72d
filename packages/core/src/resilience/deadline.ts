/**
 * A hook's budget: an absolute time and a signal aborted when it passes. Everything that works for a
 * hook (an upstream request, its retry, a plugin, a plugin's own HTTP calls) cuts its own timeouts to
 * what `remaining()` says, so nothing outlives the answer.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    /** Epoch milliseconds at which the gateway stops waiting. */
    readonly at: number,
  ) {
    this.timer = setTimeout(() => this.controller.abort(new DeadlineExceeded()), Math.max(0, at - Date.now()));
    this.timer.unref?.();
  }

  static after(budgetMs: number): Deadline {
    return new Deadline(Date.now() + budgetMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get expired(): boolean {
    return this.controller.signal.aborted || Date.now() >= this.at;
  }

  remaining(now = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  /** A timeout for one piece of work: its own limit, cut to what remains of the budget. */
  cut(ownLimitMs: number): number {
    return Math.max(1, Math.min(ownLimitMs, this.remaining()));
  }

  /** Clears the timer once the hook is answered. */
  release(): void {
    clearTimeout(this.timer);
  }
}

export class DeadlineExceeded extends Error {
  constructor() {
    super('the hook deadline passed');
    this.name = 'DeadlineExceeded';
  }
}

export const ABANDONED = Symbol('abandoned at the deadline');

/**
 * Settles with `work`, or rejects with ABANDONED as soon as `signal` aborts. The work itself is left
 * to finish (a plugin cannot be killed); its result is ignored.
 */
export function abandonAtAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(ABANDONED);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(ABANDONED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
