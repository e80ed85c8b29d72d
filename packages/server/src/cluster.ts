import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import { CLUSTER_SECRET_ENV, type GatewayLogger, type GatewayMetrics } from '@graine/core';
import type { MetricsSource } from './health-and-metrics.js';

const METRICS_REQUEST = 'graine:metrics-request';
const METRICS_ANSWER = 'graine:metrics-answer';
const METRICS_TIMEOUT_MS = 5000;

interface MetricsAnswer {
  type: typeof METRICS_ANSWER;
  id: number;
  contentType?: string;
  text?: string;
  error?: string;
}

/**
 * The primary of `start --workers N`: it serves no hooks itself. It forks N workers that share the hook
 * (and admin) port through node:cluster, replaces a worker that dies, aggregates the workers' metrics
 * when one of them is asked for /metrics, and on SIGTERM/SIGINT stops the workers and waits for them.
 */
export async function runClusterPrimary(workers: number, logger: GatewayLogger): Promise<number> {
  const aggregator = new AggregatorRegistry();
  // Without server.routeTokenSecret, the workers still share one key for the hooks they rewrite.
  const workerEnv = { [CLUSTER_SECRET_ENV]: randomBytes(32).toString('base64') };
  let stopping = false;
  let failedToStart = false;
  const listened = new WeakSet<Worker>();

  cluster.on('listening', (worker) => listened.add(worker));
  cluster.on('message', (worker, message: { type?: string; id?: number }) => {
    if (message?.type !== METRICS_REQUEST) return;
    const answer = (fields: Partial<MetricsAnswer>) => {
      if (worker.isConnected()) worker.send({ type: METRICS_ANSWER, id: message.id, ...fields });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text, contentType: aggregator.contentType }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  });

  const exited = new Promise<void>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      if (!stopping && !listened.has(worker)) {
        // A worker that never listened failed at start-up (a config error, a busy port): forking another
        // would fail the same way, forever.
        logger.error({ worker: worker.id, code }, 'worker failed to start; stopping');
        failedToStart = true;
        stop();
      } else if (!stopping) {
        logger.warn({ worker: worker.id, pid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
        cluster.fork(workerEnv);
      }
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolve();
    });
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Each worker reloads its own generation.
  const reload = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  };
  process.on('SIGHUP', reload);

  for (let index = 0; index < workers; index++) cluster.fork(workerEnv);
  logger.info({ workers, pid: process.pid }, 'cluster primary started');
  await exited;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  process.off('SIGHUP', reload);
  logger.info({}, 'cluster stopped');
  return failedToStart ? 1 : 0;
}

/**
 * In a worker, /metrics asks the primary, which collects every worker's registry through prom-client's
 * AggregatorRegistry and answers with the sum (or max, for gauges such as the config generation).
 */
export function metricsFromPrimary(metrics: GatewayMetrics): MetricsSource {
  // Constructing an AggregatorRegistry installs prom-client's listener that answers the primary.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);
  let nextId = 0;
  const pending = new Map<number, (answer: MetricsAnswer) => void>();
  process.on('message', (message: MetricsAnswer) => {
    if (message?.type === METRICS_ANSWER) pending.get(message.id)?.(message);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the cluster primary did not answer with metrics in time'));
      }, METRICS_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        pending.delete(id);
        if (answer.error !== undefined || answer.text === undefined) reject(new Error(`cluster metrics failed: ${answer.error ?? 'no text'}`));
        else resolve({ contentType: answer.contentType ?? 'text/plain; version=0.0.4; charset=utf-8', text: answer.text });
      });
      process.send!({ type: METRICS_REQUEST, id });
    });
}
