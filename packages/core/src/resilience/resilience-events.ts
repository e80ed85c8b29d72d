import { EventEmitter } from 'node:events';
import type { BreakerState } from '../observability/gateway-metrics.js';
import type { FailureReason } from '../targets/target.js';

/**
 * What the resilience layer reports, for metrics and logs to subscribe to. Payloads carry configured
 * names (upstream or plugin names), never URLs, tenant secrets or per-call values.
 */
export interface ResilienceEventMap {
  /** A breaker changed state. `target` is the configured target name. */
  breakerState: [{ breaker: string; target: string; state: BreakerState }];
  /** A breaker was created on first use, or shut down and dropped after being idle. */
  breakerLifecycle: [{ breaker: string; target: string; change: 'created' | 'evicted'; live: number }];
  /** One upstream HTTP attempt ended. `outcome` is 'ok' or the failure reason. */
  upstreamAttempt: [{ upstream: string; attempt: number; outcome: 'ok' | FailureReason; status?: number; durationMs: number }];
  /**
   * The answer cache: `hit` (fresh), `miss` (asked the target), `coalesced` (joined a miss in flight),
   * `stale` (served after expiry because the target failed), `store`, `eviction` (dropped for space or age).
   */
  cache: [{ event: 'hit' | 'miss' | 'coalesced' | 'stale' | 'store' | 'eviction'; bytes?: number; totalBytes: number; entries: number }];
}

/** A typed event emitter; listeners must not throw (they run on the hook's path). */
export class ResilienceEvents extends EventEmitter<ResilienceEventMap> {
  constructor() {
    super({ captureRejections: false });
    this.setMaxListeners(0);
  }

  /**
   * Emits `event` with the payload `build` returns, building it only when someone listens: these events
   * are reported on the hook's path, and most of them have no listener in a running gateway.
   */
  emitIfHeard<E extends keyof ResilienceEventMap>(event: E, build: () => ResilienceEventMap[E][0]): void {
    if (this.listenerCount(event) === 0) return;
    (this.emit as (event: E, payload: ResilienceEventMap[E][0]) => boolean)(event, build());
  }
}
