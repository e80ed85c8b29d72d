import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { BusiestNames, OTHER_LABEL } from './busiest-names.js';

export type HookKind = 'call' | 'action' | 'status';
/** How a hook ended, as the metrics count it (the catalogue's `outcome` label). */
export type HookMetricOutcome = 'answered' | 'cache_hit' | 'stale' | 'fallback' | 'rejected';
export type BreakerState = 'closed' | 'open' | 'half_open';
export type CacheEvent = 'hit' | 'miss' | 'stale' | 'eviction';
export type ConfigReloadResult = 'success' | 'failure';

/** One status sink's queue as the metrics read it (StatusForwarder's StatusQueueStats fits). */
export interface StatusQueueReading {
  label: string;
  depth: number;
  enqueued: number;
  delivered: number;
  retries: number;
  failed: number;
  dropped: number;
}

/** Hook latencies from 1 ms to 10 s; 6 s and 8 s sit near the default 8 s deadline. */
export const HOOK_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 8, 10];

export interface MetricsOptions {
  /** How many targets are named in the `target` label; the rest are counted as `other`. */
  targetLabels?: number;
  /** Opt-in per-account series (graine_account_hooks_total) for this many busiest accounts; 0 = none. */
  accountLabels?: number;
  /** How often the named targets and accounts follow the traffic; 0 = never (tests call rebalance()). */
  rebalanceIntervalMs?: number;
  /** Process and Node.js metrics (CPU, memory, event loop, GC). */
  defaultMetrics?: boolean;
}

export const DEFAULT_TARGET_LABELS = 100;
const DEFAULT_REBALANCE_INTERVAL_MS = 60_000;
const NONE = 'none';

/**
 * Every series the gateway exports, behind methods named for what happened. One instance is made at
 * the composition root and handed to whoever reports (pipeline, targets, breakers, cache, status queue,
 * plugin host, config reloader); nothing else touches prom-client. Label values are bounded here:
 * targets and accounts go through BusiestNames, reasons come from closed lists, and call ids, phone
 * numbers and caller names are never labels.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly targets: BusiestNames;
  private readonly accounts: BusiestNames;
  /** Every live breaker's state, keyed by breaker (a target may have several, e.g. one per plugin route). */
  private readonly breakerStates = new Map<string, { target: string; state: BreakerState }>();
  private readonly rebalanceTimer: NodeJS.Timeout | undefined;

  private readonly hooks: Counter<'kind' | 'outcome' | 'target'>;
  private readonly hookDuration: Histogram<'kind' | 'outcome'>;
  private readonly rejections: Counter<'kind' | 'reason'>;
  private readonly fallbacks: Counter<'kind' | 'reason' | 'target'>;
  private readonly accountHooks: Counter<'account' | 'outcome'> | undefined;
  private readonly authFailures: Counter<'reason'>;
  private readonly upstreamRequests: Counter<'target' | 'result'>;
  private readonly upstreamDuration: Histogram<'target'>;
  private readonly breakerTransitions: Counter<'target' | 'to'>;
  private readonly cacheEvents: Counter<'event'>;
  private readonly cacheBytes: Gauge;
  private statusQueues: () => readonly StatusQueueReading[] = () => [];
  private readonly pluginDuration: Histogram<'plugin' | 'handler'>;
  private readonly pluginErrors: Counter<'plugin' | 'handler'>;
  private readonly configReloads: Counter<'result'>;
  private readonly configGeneration: Gauge;
  private readonly hookDeadline: Gauge;

  constructor(options: MetricsOptions = {}) {
    this.targets = new BusiestNames(options.targetLabels ?? DEFAULT_TARGET_LABELS);
    this.accounts = new BusiestNames(options.accountLabels ?? 0);
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.hooks = new Counter({
      name: 'graine_hooks_total',
      help: 'Hooks answered, by hook kind, outcome and target (configured name; the busiest N, the rest "other").',
      labelNames: ['kind', 'outcome', 'target'],
      registers,
    });
    this.hookDuration = new Histogram({
      name: 'graine_hook_duration_seconds',
      help: 'Time from receiving a hook to answering it, by hook kind and outcome.',
      labelNames: ['kind', 'outcome'],
      buckets: HOOK_DURATION_BUCKETS,
      registers,
    });
    this.rejections = new Counter({
      name: 'graine_hook_rejections_total',
      help: 'Hooks refused before reaching a target, by reason (unauthenticated, invalid_request, forbidden, unknown_account, no_route, invalid_signature, unknown_route_token).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'graine_fallbacks_total',
      help: 'Fallback verbs served instead of the target\'s answer, by failure reason and target.',
      labelNames: ['kind', 'reason', 'target'],
      registers,
    });
    if ((options.accountLabels ?? 0) > 0) {
      this.accountHooks = new Counter({
        name: 'graine_account_hooks_total',
        help: 'Hooks by account (opt-in: the busiest N accounts are named, the rest "other") and outcome.',
        labelNames: ['account', 'outcome'],
        registers,
      });
    }
    this.authFailures = new Counter({
      name: 'graine_auth_failures_total',
      help: 'Hooks whose credentials were refused: missing, malformed, invalid, unknown_account or forbidden.',
      labelNames: ['reason'],
      registers,
    });
    this.upstreamRequests = new Counter({
      name: 'graine_upstream_requests_total',
      help: 'Requests to tenant upstreams, by target and result ("ok" or the failure reason).',
      labelNames: ['target', 'result'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'graine_upstream_request_duration_seconds',
      help: 'Time an upstream took to answer or fail, by target.',
      labelNames: ['target'],
      buckets: HOOK_DURATION_BUCKETS,
      registers,
    });
    const breakerStates = this.breakerStates;
    const targets = this.targets;
    new Gauge({
      name: 'graine_breaker_state',
      help: 'Circuit breakers in each state, by target (1 for a named target; a count under "other").',
      labelNames: ['target', 'state'],
      registers,
      aggregator: 'sum',
      collect() {
        this.reset();
        for (const { target, state } of breakerStates.values()) this.inc({ target: targets.peek(target), state });
      },
    });
    this.breakerTransitions = new Counter({
      name: 'graine_breaker_transitions_total',
      help: 'Circuit breaker state changes, by target and the state entered.',
      labelNames: ['target', 'to'],
      registers,
    });
    this.cacheEvents = new Counter({
      name: 'graine_cache_events_total',
      help: 'Answer cache lookups and evictions: hit, miss, stale (served past its freshness) and eviction.',
      labelNames: ['event'],
      registers,
    });
    this.cacheBytes = new Gauge({ name: 'graine_cache_bytes', help: 'Bytes held by the answer cache.', registers, aggregator: 'sum' });
    // The status queues are read at scrape time from their own counters (StatusForwarder.stats()).
    const readQueues = () => this.statusQueues();
    new Gauge({
      name: 'graine_status_queue_depth',
      help: 'Status hooks waiting to be forwarded, by sink (target name; the busiest N, the rest "other").',
      labelNames: ['target'],
      registers,
      aggregator: 'sum',
      collect() {
        this.reset();
        for (const queue of readQueues()) this.inc({ target: targets.peek(queue.label) }, queue.depth);
      },
    });
    new Counter({
      name: 'graine_status_forwards_total',
      help: 'Status hook forwarding, by result: enqueued, delivered, retried (attempts after the first), failed (every attempt failed), dropped (queue full, or still queued when shutdown\'s drain ended).',
      labelNames: ['result'],
      registers,
      collect() {
        this.reset();
        for (const queue of readQueues()) {
          this.inc({ result: 'enqueued' }, queue.enqueued);
          this.inc({ result: 'delivered' }, queue.delivered);
          this.inc({ result: 'retried' }, queue.retries);
          this.inc({ result: 'failed' }, queue.failed);
          this.inc({ result: 'dropped' }, queue.dropped);
        }
      },
    });
    this.pluginDuration = new Histogram({
      name: 'graine_plugin_handler_duration_seconds',
      help: 'Time a plugin handler took, by plugin and handler.',
      labelNames: ['plugin', 'handler'],
      buckets: HOOK_DURATION_BUCKETS,
      registers,
    });
    this.pluginErrors = new Counter({
      name: 'graine_plugin_handler_errors_total',
      help: 'Plugin handlers that threw or returned an invalid answer, by plugin and handler.',
      labelNames: ['plugin', 'handler'],
      registers,
    });
    this.configReloads = new Counter({
      name: 'graine_config_reloads_total',
      help: 'Config reloads, by result (success or failure; a failed reload keeps the serving generation).',
      labelNames: ['result'],
      registers,
    });
    this.configGeneration = new Gauge({
      name: 'graine_config_generation',
      help: 'The config generation being served (1 at start, +1 per successful reload).',
      registers,
      aggregator: 'max',
    });
    this.hookDeadline = new Gauge({
      name: 'graine_hook_deadline_seconds',
      help: 'The default hook deadline (defaults.deadlineMs): the latency alert compares p99 to it.',
      registers,
      aggregator: 'max',
    });

    const interval = options.rebalanceIntervalMs ?? DEFAULT_REBALANCE_INTERVAL_MS;
    if (interval > 0) {
      this.rebalanceTimer = setInterval(() => void this.rebalance(), interval);
      this.rebalanceTimer.unref();
    }
  }

  /** A hook was answered. `seconds` runs from receiving it to answering. */
  hookFinished(
    kind: HookKind,
    outcome: HookMetricOutcome,
    reason: string | undefined,
    target: string | undefined,
    seconds: number,
    account?: string,
  ): void {
    const targetLabel = target === undefined ? NONE : this.targets.label(target);
    this.hooks.inc({ kind, outcome, target: targetLabel });
    this.hookDuration.observe({ kind, outcome }, seconds);
    if (outcome === 'rejected') this.rejections.inc({ kind, reason: reason ?? NONE });
    if (outcome === 'fallback') this.fallbacks.inc({ kind, reason: reason ?? NONE, target: targetLabel });
    if (this.accountHooks && account !== undefined) this.accountHooks.inc({ account: this.accounts.label(account), outcome });
  }

  /** Fallback verbs were served outside a hook's own answer (hookFinished already counts its fallbacks). */
  fallbackServed(kind: HookKind, reason: string, target: string | undefined): void {
    this.fallbacks.inc({ kind, reason, target: target === undefined ? NONE : this.targets.label(target) });
  }

  /** One request to an upstream ended: `result` is "ok" or the FailureReason. */
  upstreamRequest(target: string, result: string, seconds: number): void {
    const label = this.targets.label(target);
    this.upstreamRequests.inc({ target: label, result });
    this.upstreamDuration.observe({ target: label }, seconds);
  }

  authFailure(reason: string): void {
    this.authFailures.inc({ reason });
  }

  /** The breaker of `target` is now in `state` (also at creation). */
  breakerState(target: string, state: BreakerState, breaker: string = target): void {
    this.breakerStates.set(breaker, { target, state });
  }

  breakerTransition(target: string, from: BreakerState, to: BreakerState, breaker: string = target): void {
    void from;
    this.breakerStates.set(breaker, { target, state: to });
    this.breakerTransitions.inc({ target: this.targets.label(target), to });
  }

  /** A breaker was dropped (its target left the config, or it was evicted). */
  breakerRemoved(target: string, breaker: string = target): void {
    this.breakerStates.delete(breaker);
  }

  /** A cache lookup or eviction; `bytes` is the cache's size afterwards, when known. */
  cache(event: CacheEvent, bytes?: number): void {
    this.cacheEvents.inc({ event });
    if (bytes !== undefined) this.cacheBytes.set(bytes);
  }

  /** The answer cache holds this many bytes now (after a store). */
  cacheSize(bytes: number): void {
    this.cacheBytes.set(bytes);
  }

  /** Where the status-forward queues are read at scrape time (their counters only grow). */
  statusQueuesFrom(read: () => readonly StatusQueueReading[]): void {
    this.statusQueues = read;
  }

  /** A plugin handler ran; plugin names come from installed code, so they need no cap. */
  pluginHandler(plugin: string, handler: string, seconds: number, error: boolean): void {
    this.pluginDuration.observe({ plugin, handler }, seconds);
    if (error) this.pluginErrors.inc({ plugin, handler });
  }

  /** A config generation is serving: at start (no result) or after a reload. */
  configReload(result: ConfigReloadResult | 'initial', generation: number, defaultDeadlineMs?: number): void {
    if (result !== 'initial') this.configReloads.inc({ result });
    if (result !== 'failure') {
      this.configGeneration.set(generation);
      if (defaultDeadlineMs !== undefined) this.hookDeadline.set(defaultDeadlineMs / 1000);
    }
  }

  /** Prometheus text exposition of this process's series. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /**
   * Names the busiest targets and accounts of the window that ends now and removes the series of names
   * that lost their place, so the number of series stays bounded however many tenants come and go.
   */
  async rebalance(): Promise<void> {
    const demotedTargets = new Set(this.targets.rebalance());
    const demotedAccounts = new Set(this.accounts.rebalance());
    if (demotedTargets.size > 0) {
      for (const metric of [this.hooks, this.fallbacks, this.upstreamRequests, this.upstreamDuration, this.breakerTransitions]) {
        await removeSeries(metric, 'target', demotedTargets);
      }
    }
    if (this.accountHooks && demotedAccounts.size > 0) await removeSeries(this.accountHooks, 'account', demotedAccounts);
  }

  close(): void {
    if (this.rebalanceTimer) clearInterval(this.rebalanceTimer);
  }
}

async function removeSeries(metric: Metric<string>, label: string, values: ReadonlySet<string>): Promise<void> {
  const { values: samples } = await metric.get();
  for (const sample of samples) {
    const value = sample.labels[label];
    if (typeof value !== 'string' || value === OTHER_LABEL || !values.has(value)) continue;
    const { le: _bucket, ...labels } = sample.labels;
    (metric as Counter<string>).remove(labels as Record<string, string>);
  }
}
