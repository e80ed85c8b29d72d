/**
 * A hook's budget: an absolute time, and listeners told when it passes. Everything that works for a
 * hook (an upstream request, its retry, a plugin, a plugin's own HTTP calls) cuts its own timeouts to
 * what `remaining()` says, so nothing outlives the answer.
 *
 * Cheap on purpose, because every hook makes two: the timer starts only when someone listens, and the
 * AbortSignal (an EventTarget, several µs to build) only when someone asks for it — an upstream's HTTP
 * request or a plugin that reads `context.signal`. The profile of the plugin path showed two eager
 * AbortControllers and their listeners costing more than the plugin itself.
 */
export class Deadline {
  private listeners: Array<() => void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private controller: AbortController | undefined;
  private hasPassed = false;
  private released = false;

  private constructor(
    /** Epoch milliseconds at which the gateway stops waiting. */
    readonly at: number,
  ) {}

  static after(budgetMs: number): Deadline {
    return new Deadline(Date.now() + budgetMs);
  }

  /** Aborted (with DeadlineExceeded) when the deadline passes; never, once the hook is answered and released. */
  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      if (this.hasPassed) controller.abort(new DeadlineExceeded());
      else this.whenPassed(() => controller.abort(new DeadlineExceeded()));
    }
    return this.controller.signal;
  }

  /** True once the deadline has been declared passed (its timer fired, or `passNow`). */
  get passed(): boolean {
    return this.hasPassed;
  }

  remaining(now = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  /** A timeout for one piece of work: its own limit, cut to what remains of the budget. */
  cut(ownLimitMs: number): number {
    return Math.max(1, Math.min(ownLimitMs, this.remaining()));
  }

  /**
   * Calls `listener` once when the deadline passes (at once if it already has); returns the function that
   * cancels it. After `release` nothing is called any more.
   */
  whenPassed(listener: () => void): () => void {
    if (this.hasPassed) {
      listener();
      return noop;
    }
    if (this.released) return noop;
    (this.listeners ??= []).push(listener);
    if (!this.timer) {
      this.timer = setTimeout(() => this.passNow(), Math.max(0, this.at - Date.now()));
      this.timer.unref();
    }
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.listeners!.splice(index, 1);
    };
  }

  /** Declares the deadline passed now (the timer does this at `at`; a shutdown may do it early). */
  passNow(): void {
    if (this.hasPassed || this.released) return;
    this.hasPassed = true;
    this.stopTimer();
    const listeners = this.listeners;
    this.listeners = undefined;
    listeners?.forEach((listener) => listener());
  }

  /** The hook is answered: clears the timer; listeners are dropped and the signal never aborts. */
  release(): void {
    this.released = true;
    this.listeners = undefined;
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export class DeadlineExceeded extends Error {
  constructor() {
    super('the hook deadline passed');
    this.name = 'DeadlineExceeded';
  }
}

export const ABANDONED = Symbol('abandoned at the deadline');

const noop = () => undefined;

/**
 * Settles with `work`, or rejects with ABANDONED as soon as the deadline passes. The work itself is
 * left to finish (a plugin cannot be killed); its result is ignored.
 */
export function abandonAtDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  if (deadline.passed) {
    work.catch(noop);
    return Promise.reject(ABANDONED);
  }
  return new Promise<T>((resolve, reject) => {
    const cancel = deadline.whenPassed(() => reject(ABANDONED));
    work.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (error: unknown) => {
        cancel();
        reject(error);
      },
    );
  });
}
