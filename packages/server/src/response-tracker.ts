import type { Server } from 'node:http';

/**
 * Counts the requests whose response is not written yet. A hook leaves the runtime (and its in-flight
 * count) a moment before Koa writes its answer; shutdown waits for this count too, or closing the
 * remaining connections in that moment would cut the answer.
 */
export class ResponseTracker {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(server: Server) {
    server.on('request', (_request, response) => {
      this.active++;
      response.once('close', () => {
        if (--this.active === 0) this.waiters.splice(0).forEach((resolve) => resolve());
      });
    });
  }

  /** Resolves once every response is written, or after `timeoutMs`. */
  waitUntilAnswered(timeoutMs: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
