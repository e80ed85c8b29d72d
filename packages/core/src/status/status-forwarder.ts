import type { StatusForwardingConfig } from '../config/types.js';
import type { StatusSink } from '../follow-up/whole-call-runtime.js';
import type { GatewayLogger } from '../logging.js';
import { Deadline } from '../resilience/deadline.js';
import type { DeliveryResult, ForwardedHook } from '../targets/target.js';

export interface StatusForwardingOptions {
  queueSize: number;
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  drainMs: number;
}

export const DEFAULT_STATUS_FORWARDING: StatusForwardingOptions = {
  queueSize: 1000,
  retries: 3,
  backoffMs: 500,
  maxBackoffMs: 10_000,
  timeoutMs: 5000,
  drainMs: 5000,
};

export function statusForwardingOptions(config: StatusForwardingConfig | undefined): StatusForwardingOptions {
  return { ...DEFAULT_STATUS_FORWARDING, ...config };
}

/** A status event waiting for delivery: everything but the deadline, which each attempt gets anew. */
export type QueuedStatusEvent = Omit<ForwardedHook, 'deadline'>;

/**
 * What one sink's queue has done since start — the interface metrics read (issue 6). Counters only grow;
 * `depth` is the number of events waiting, not counting the one being delivered.
 */
export interface StatusQueueStats {
  /** The sink's configured name (upstream or plugin name): a bounded label. */
  label: string;
  depth: number;
  inFlight: boolean;
  enqueued: number;
  delivered: number;
  /** Attempts after the first, over all events. */
  retries: number;
  /** Events that failed every attempt. */
  failed: number;
  /** Events dropped because the queue was full (the oldest goes), or still waiting when shutdown's drain ended. */
  dropped: number;
}

/**
 * Call-status events are answered `200` at once and delivered later (protocol §7.8): one bounded FIFO
 * queue per sink, delivered one event at a time so a sink sees them in the order the platform sent them
 * (duplicates and out-of-order events included, as they came), with bounded retries and exponential
 * backoff. A full queue drops its oldest event. A slow or dead sink only ever holds up its own queue,
 * never a call hook and never another tenant's events.
 */
export class StatusForwarder {
  private readonly queues = new Map<string, SinkQueue>();
  private closing: AbortController | undefined;

  constructor(
    readonly options: StatusForwardingOptions,
    private readonly logger: GatewayLogger,
  ) {}

  /** Queues an event; returns at once. */
  enqueue(sink: StatusSink, event: QueuedStatusEvent): void {
    let queue = this.queues.get(sink.key);
    if (!queue) {
      queue = new SinkQueue(sink.label, this.options, this.logger);
      this.queues.set(sink.key, queue);
    }
    if (this.closing) {
      queue.stats.dropped++;
      return;
    }
    queue.push(sink, event);
  }

  stats(): StatusQueueStats[] {
    return [...this.queues.values()].map((queue) => ({ ...queue.stats, depth: queue.depth, inFlight: queue.busy }));
  }

  /**
   * Stops accepting events and keeps delivering what is queued for at most `drainMs`; then abandons the
   * rest (counted as dropped). True when everything was delivered or given up on in time.
   */
  async drain(drainMs = this.options.drainMs): Promise<boolean> {
    this.closing ??= new AbortController();
    const all = Promise.all([...this.queues.values()].map((queue) => queue.idle()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), drainMs);
    });
    const finished = await Promise.race([all.then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (!finished) {
      for (const queue of this.queues.values()) queue.abandon();
      await all;
    }
    return finished;
  }
}

interface Entry {
  sink: StatusSink;
  event: QueuedStatusEvent;
}

class SinkQueue {
  readonly stats: Omit<StatusQueueStats, 'depth' | 'inFlight'>;
  private readonly waiting: Entry[] = [];
  private running = false;
  private readonly idleWaiters: Array<() => void> = [];
  /** Aborted when shutdown gives up: the attempt in flight and any backoff wait end at once. */
  private readonly abandoned = new AbortController();

  constructor(
    label: string,
    private readonly options: StatusForwardingOptions,
    private readonly logger: GatewayLogger,
  ) {
    this.stats = { label, enqueued: 0, delivered: 0, retries: 0, failed: 0, dropped: 0 };
  }

  get depth(): number {
    return this.waiting.length;
  }

  get busy(): boolean {
    return this.running;
  }

  push(sink: StatusSink, event: QueuedStatusEvent): void {
    this.stats.enqueued++;
    if (this.waiting.length >= this.options.queueSize) {
      const oldest = this.waiting.shift()!;
      this.stats.dropped++;
      this.logger.warn({ sink: this.stats.label, call_sid: oldest.event.callSid, queue_size: this.options.queueSize }, 'status queue full: oldest event dropped');
    }
    this.waiting.push({ sink, event });
    if (!this.running) void this.run();
  }

  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  abandon(): void {
    this.stats.dropped += this.waiting.length;
    this.waiting.length = 0;
    this.abandoned.abort();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      let entry: Entry | undefined;
      while ((entry = this.waiting.shift()) !== undefined) await this.deliver(entry);
    } finally {
      this.running = false;
      this.idleWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  private async deliver({ sink, event }: Entry): Promise<void> {
    let result: DeliveryResult = { ok: false, reason: 'connect_error', detail: 'not attempted' };
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      if (this.abandoned.signal.aborted) break;
      if (attempt > 0) {
        this.stats.retries++;
        await sleep(backoffDelay(this.options, attempt), this.abandoned.signal);
        if (this.abandoned.signal.aborted) break;
      }
      result = await this.attempt(sink, event);
      if (result.ok) {
        this.stats.delivered++;
        return;
      }
    }
    if (this.abandoned.signal.aborted) {
      this.stats.dropped++;
      return;
    }
    this.stats.failed++;
    this.logger.warn(
      { sink: this.stats.label, call_sid: event.callSid, reason: result.reason, detail: result.detail, attempts: this.options.retries + 1 },
      'status event not delivered',
    );
  }

  private async attempt(sink: StatusSink, event: QueuedStatusEvent): Promise<DeliveryResult> {
    const deadline = Deadline.after(this.options.timeoutMs);
    // Abandoning the queue (shutdown) ends the attempt in flight too.
    const abandon = () => deadline.passNow();
    this.abandoned.signal.addEventListener('abort', abandon, { once: true });
    try {
      return await sink.target.deliverStatusEvent({ ...event, deadline });
    } catch (error) {
      return { ok: false, reason: 'connect_error', detail: error instanceof Error ? error.message : String(error) };
    } finally {
      this.abandoned.signal.removeEventListener('abort', abandon);
      deadline.release();
    }
  }
}

/** backoffMs × 2^(attempt−1), capped, plus up to 20 % jitter so that retries of many sinks do not align. */
export function backoffDelay(options: Pick<StatusForwardingOptions, 'backoffMs' | 'maxBackoffMs'>, attempt: number): number {
  const base = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** (attempt - 1));
  return Math.round(base * (1 + Math.random() * 0.2));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
