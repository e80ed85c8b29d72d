import type { BreakerState, GatewayMetrics } from '../observability/gateway-metrics.js';
import type { ResilienceEvents } from './resilience-events.js';

/**
 * Feeds the resilience events into the metrics catalogue: breaker states and transitions by target
 * name, cache events and bytes. Upstream attempts are reported by the upstream target itself.
 */
export function reportResilienceToMetrics(events: ResilienceEvents, metrics: GatewayMetrics): void {
  const states = new Map<string, BreakerState>();
  events.on('breakerLifecycle', ({ breaker, target, change }) => {
    if (change === 'created') {
      states.set(breaker, 'closed');
      metrics.breakerState(target, 'closed', breaker);
    } else {
      states.delete(breaker);
      metrics.breakerRemoved(target, breaker);
    }
  });
  events.on('breakerState', ({ breaker, target, state }) => {
    metrics.breakerTransition(target, states.get(breaker) ?? 'closed', state, breaker);
    states.set(breaker, state);
  });
  events.on('cache', ({ event, totalBytes }) => {
    if (event === 'hit' || event === 'miss' || event === 'stale' || event === 'eviction') metrics.cache(event, totalBytes);
    // A store changes the bytes held without being a lookup.
    else metrics.cacheSize(totalBytes);
  });
}
