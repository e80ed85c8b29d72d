import type { GatewayRuntime } from './gateway-runtime.js';

/**
 * Holds the serving generation and counts the hooks each generation is answering, so that a swapped
 * out generation is disposed only once its last in-flight hook has finished.
 */
export class RuntimeHolder {
  private active: GatewayRuntime;
  private readonly inFlight = new Map<GatewayRuntime, number>();
  private readonly retired = new Set<GatewayRuntime>();
  private readonly idleWaiters: Array<() => void> = [];

  constructor(initial: GatewayRuntime) {
    this.active = initial;
  }

  get current(): GatewayRuntime {
    return this.active;
  }

  get inFlightCount(): number {
    let total = 0;
    for (const count of this.inFlight.values()) total += count;
    return total;
  }

  /** Runs work on the current generation; the generation stays alive until the work settles. */
  async use<T>(work: (runtime: GatewayRuntime) => Promise<T>): Promise<T> {
    const runtime = this.active;
    this.inFlight.set(runtime, (this.inFlight.get(runtime) ?? 0) + 1);
    try {
      return await work(runtime);
    } finally {
      const left = (this.inFlight.get(runtime) ?? 1) - 1;
      if (left === 0) {
        this.inFlight.delete(runtime);
        if (this.retired.delete(runtime)) void runtime.dispose();
        if (this.inFlight.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      } else {
        this.inFlight.set(runtime, left);
      }
    }
  }

  /** Serves the next generation from now on; the previous one is disposed when its hooks are done. */
  swap(next: GatewayRuntime): GatewayRuntime {
    const previous = this.active;
    this.active = next;
    if (this.inFlight.has(previous)) this.retired.add(previous);
    else void previous.dispose();
    return previous;
  }

  /** Resolves when no hook is in flight, or after `timeoutMs`; true if everything finished. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([this.active, ...this.retired].map((runtime) => runtime.dispose()));
  }
}
