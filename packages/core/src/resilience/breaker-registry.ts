import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { BreakerState } from '../observability/gateway-metrics.js';
import type { ResilienceEvents } from './resilience-events.js';

/** Thresholds of one breaker, after merging global → account → application. */
export interface BreakerSettings {
  /** Percentage of failed hooks in the window above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Hooks in the window before the percentage counts: opossum's 0 would let one failure open a quiet tenant's breaker. */
  volumeThreshold: number;
  rollingWindowMs: number;
  /** How long an open breaker fails fast before letting exactly one probe through. */
  resetTimeoutMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 30_000,
});

export const DEFAULT_BREAKER_IDLE_MS = 10 * 60 * 1000;

/** The window is cut into this many buckets; one shared timer per bucket length rotates them all. */
const BUCKETS = 10;

/** Which breaker: its registry key, and the configured target name events may show. */
export interface BreakerIdentity {
  key: string;
  target: string;
}

export type BreakerRun<T> = { kind: 'ran'; value: T } | { kind: 'open' };

interface LiveBreaker {
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  target: string;
  rotation: RotationClock;
  resetTimeoutMs: number;
  lastUsed: number;
  inFlight: number;
}

/** One EventEmitter and one interval for every breaker whose buckets have this length. */
interface RotationClock {
  emitter: EventEmitter;
  timer: NodeJS.Timeout;
  users: number;
  bucketMs: number;
}

/**
 * Circuit breakers per target, created on first use and shut down after `idleMs` without use, so that
 * 10,000 tenants cost no timers while quiet (stack.md "opossum 9 at tenant scale"): breakers use lean
 * options (no snapshots, no percentiles, no opossum timeout, no shared AbortController — each call
 * carries the hook's own deadline), bucket rotation comes from one shared clock per window length, and
 * one sweep timer drops idle breakers.
 *
 * Usable for anything with a failure notion (an upstream, a plugin, a plugin's HTTP client): `run`
 * takes the work and a predicate saying which of its results count as failures.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, LiveBreaker>();
  private readonly clocks = new Map<number, RotationClock>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: ResilienceEvents,
    readonly idleMs: number = DEFAULT_BREAKER_IDLE_MS,
  ) {}

  get size(): number {
    return this.breakers.size;
  }

  /** Live shared rotation timers (one per distinct window/bucket length in use). */
  get clockCount(): number {
    return this.clocks.size;
  }

  stateOf(key: string): BreakerState | undefined {
    const live = this.breakers.get(key);
    if (!live) return undefined;
    return live.breaker.opened ? 'open' : live.breaker.halfOpen ? 'half_open' : 'closed';
  }

  /**
   * Runs `work` behind the breaker. An open breaker (or a half-open one whose single probe is in
   * flight) does not call `work` at all. A result for which `isFailure` is true counts against the
   * breaker but is still returned; a thrown error counts and is rethrown.
   */
  async run<T>(
    identity: BreakerIdentity,
    settings: BreakerSettings,
    work: () => Promise<T>,
    isFailure: (value: T) => boolean,
  ): Promise<BreakerRun<T>> {
    const live = this.acquire(identity, settings);
    live.lastUsed = Date.now();
    live.inFlight += 1;
    try {
      const value = (await live.breaker.fire(async () => {
        const result = await work();
        if (isFailure(result)) throw new CountedFailure(result);
        return result;
      })) as T;
      return { kind: 'ran', value };
    } catch (error) {
      if (error instanceof CountedFailure) return { kind: 'ran', value: error.value as T };
      if ((error as { code?: string }).code === 'EOPENBREAKER') return { kind: 'open' };
      throw error;
    } finally {
      live.inFlight -= 1;
      live.lastUsed = Date.now();
    }
  }

  /** Shuts down and drops every breaker idle since `now - idleMs`. Runs on its own timer; public for tests. */
  sweepIdle(now = Date.now()): number {
    let evicted = 0;
    for (const [key, live] of this.breakers) {
      const idle = now - live.lastUsed;
      // An open breaker is kept until its reset timeout has passed too: dropping it would close it early.
      if (live.inFlight === 0 && idle >= this.idleMs && (!live.breaker.opened || idle >= live.resetTimeoutMs)) {
        this.evict(key, live);
        evicted += 1;
      }
    }
    if (this.breakers.size === 0) this.stopSweeping();
    return evicted;
  }

  shutdown(): void {
    for (const [key, live] of this.breakers) this.evict(key, live);
    this.stopSweeping();
  }

  private acquire(identity: BreakerIdentity, settings: BreakerSettings): LiveBreaker {
    const existing = this.breakers.get(identity.key);
    if (existing) return existing;
    const rotation = this.clockFor(Math.max(10, Math.floor(settings.rollingWindowMs / BUCKETS)));
    const breaker = new CircuitBreaker<[() => Promise<unknown>], unknown>((work) => work(), {
      timeout: false,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      rollingCountTimeout: settings.rollingWindowMs,
      rollingCountBuckets: BUCKETS,
      resetTimeout: settings.resetTimeoutMs,
      enableSnapshots: false,
      rollingPercentilesEnabled: false,
      rotateBucketController: rotation.emitter,
    });
    const live: LiveBreaker = { breaker, target: identity.target, rotation, resetTimeoutMs: settings.resetTimeoutMs, lastUsed: Date.now(), inFlight: 0 };
    const report = (state: BreakerState) => () => this.events.emit('breakerState', { breaker: identity.key, target: identity.target, state });
    breaker.on('open', report('open'));
    breaker.on('halfOpen', report('half_open'));
    breaker.on('close', report('closed'));
    this.breakers.set(identity.key, live);
    this.startSweeping();
    this.events.emit('breakerLifecycle', { breaker: identity.key, target: identity.target, change: 'created', live: this.breakers.size });
    return live;
  }

  private evict(key: string, live: LiveBreaker): void {
    live.breaker.shutdown();
    this.breakers.delete(key);
    this.releaseClock(live.rotation);
    this.events.emit('breakerLifecycle', { breaker: key, target: live.target, change: 'evicted', live: this.breakers.size });
  }

  private clockFor(bucketMs: number): RotationClock {
    let clock = this.clocks.get(bucketMs);
    if (!clock) {
      const emitter = new EventEmitter();
      emitter.setMaxListeners(0);
      const timer = setInterval(() => emitter.emit('rotate'), bucketMs);
      timer.unref();
      clock = { emitter, timer, users: 0, bucketMs };
      this.clocks.set(bucketMs, clock);
    }
    clock.users += 1;
    return clock;
  }

  private releaseClock(clock: RotationClock): void {
    clock.users -= 1;
    if (clock.users <= 0) {
      clearInterval(clock.timer);
      this.clocks.delete(clock.bucketMs);
    }
  }

  private startSweeping(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => this.sweepIdle(), Math.max(250, Math.floor(this.idleMs / 4)));
    this.sweepTimer.unref();
  }

  private stopSweeping(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

/** Carries a failed result through opossum so that it counts, then hands it back to the caller. */
class CountedFailure extends Error {
  constructor(readonly value: unknown) {
    super('counted failure');
  }
}
