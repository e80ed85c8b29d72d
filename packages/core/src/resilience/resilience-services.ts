import { ResponseCache, DEFAULT_CACHE_MAX_BYTES } from '../cache/response-cache.js';
import { BreakerRegistry, DEFAULT_BREAKER_IDLE_MS } from './breaker-registry.js';
import { ResilienceEvents } from './resilience-events.js';

export interface ResilienceOptions {
  breakerIdleMs?: number;
  cacheMaxBytes?: number;
}

/**
 * The long-lived parts of resilience: breakers, the answer cache and the event stream they report
 * on. Everything that calls a target (the call hook pipeline, follow-up hooks, a plugin's HTTP client)
 * goes through these.
 */
export class ResilienceServices {
  readonly events: ResilienceEvents;
  readonly breakers: BreakerRegistry;
  readonly cache: ResponseCache;

  constructor(options: ResilienceOptions = {}, events = new ResilienceEvents()) {
    this.events = events;
    this.breakers = new BreakerRegistry(events, options.breakerIdleMs ?? DEFAULT_BREAKER_IDLE_MS);
    this.cache = new ResponseCache(events, options.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES);
  }

  shutdown(): void {
    this.breakers.shutdown();
    this.cache.clear();
  }
}
