import { Agent, request } from 'node:http';

export interface PacedLoadOptions {
  url: string;
  headers?: Record<string, string>;
  /** Requests per second, spaced evenly. */
  rate: number;
  durationSeconds: number;
}

export interface PacedLoadResult {
  sent: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * A steady, open-loop load: one request every 1000/rate ms, whether or not earlier ones have answered,
 * each timed from the moment it is written to the end of its answer, in microseconds.
 *
 * autocannon's `overallRate` is not this: each connection sends its per-second quota as fast as it can
 * at the top of every second and then waits, so "500 req/s" is a burst of 500 requests queued ten
 * deep, and its latencies are whole milliseconds. A p99 "added latency at 500 req/s" needs the steady
 * rate and the finer clock.
 */
const REQUEST_TIMEOUT_MS = 10_000;

export async function measurePaced(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(options.url);
  const spacingMs = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSeconds);
  const latencies: number[] = [];
  let failed = 0;
  const pending: Array<Promise<void>> = [];

  const send = () =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const outgoing = request(url, { agent, headers: options.headers ?? {} }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) latencies.push(performance.now() - started);
          else failed++;
          resolve();
        });
      });
      outgoing.on('error', () => {
        failed++;
        resolve();
      });
      // Bounded in time like the rest of the bench: a request that hangs counts as failed, not as a wait.
      outgoing.setTimeout(REQUEST_TIMEOUT_MS, () => outgoing.destroy(new Error('no answer in time')));
      outgoing.end();
    });

  const startedAt = performance.now();
  let sent = 0;
  await new Promise<void>((done) => {
    // A 1 ms tick sends every request whose turn has come: the spacing holds even when a tick is late.
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor((performance.now() - startedAt) / spacingMs) + 1);
      while (sent < due) {
        pending.push(send());
        sent++;
      }
      if (sent >= total) {
        clearInterval(tick);
        done();
      }
    }, 1);
  });
  await Promise.all(pending);
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const at = (quantile: number) => latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? Number.NaN;
  return { sent, failed, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1] ?? Number.NaN };
}
