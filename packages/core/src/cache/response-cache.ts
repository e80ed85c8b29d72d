import { LRUCache } from 'lru-cache';
import type { Verb } from '@graine/sdk';
import type { ResilienceEvents } from '../resilience/resilience-events.js';
import type { InvocationResult } from '../targets/target.js';
import { freshnessMs, type CachePolicy } from './cache-policy.js';

export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

interface CacheEntry {
  verbs: Verb[];
  freshUntil: number;
  /** Kept this long after freshUntil, to be served only when the target fails (stale-if-error). */
  staleUntil: number;
  bytes: number;
  /** Set on the copy handed back when the target failed and this stale answer stood in. */
  servedStale?: { reason: string };
}

interface FetchContext {
  policy: CachePolicy;
  invoke: () => Promise<InvocationResult>;
}

export type CacheSource = 'target' | 'cache' | 'stale';

export interface CachedResult {
  result: InvocationResult;
  source: CacheSource;
  /** For a stale answer: why the target's own answer was not used. */
  staleReason?: string;
}

/** Thrown out of the fetch method for answers that must not be stored; every coalesced caller gets it. */
class UncachedResult extends Error {
  constructor(readonly result: InvocationResult) {
    super('not cached');
  }
}

/**
 * The answer cache shared by every application that opts in. Bounded by a byte budget (the JSON size
 * of the verbs plus the key), not just an entry count. Concurrent misses of one key become one target
 * call (lru-cache's `fetch`); an entry outlives its freshness by the policy's stale-if-error window,
 * during which it is only served when the target fails.
 */
export class ResponseCache {
  private readonly lru: LRUCache<string, CacheEntry, FetchContext> | undefined;
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly events: ResilienceEvents,
    readonly maxBytes: number = DEFAULT_CACHE_MAX_BYTES,
  ) {
    if (maxBytes <= 0) return;
    this.lru = new LRUCache<string, CacheEntry, FetchContext>({
      maxSize: maxBytes,
      maxEntrySize: Math.max(1024, Math.floor(maxBytes / 8)),
      sizeCalculation: (entry, key) => entry.bytes + key.length,
      allowStale: false,
      fetchMethod: (key, previous, { options, context }) => this.refresh(key, previous, options, context),
      dispose: (entry, _key, reason) => {
        if (reason === 'evict' || reason === 'expire') this.report('eviction', entry.bytes);
      },
    });
  }

  get enabled(): boolean {
    return this.lru !== undefined;
  }

  get totalBytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }

  /** A fresh cached answer, or the target's (joined with any identical request already in flight). */
  async getOrInvoke(key: string, policy: CachePolicy, invoke: () => Promise<InvocationResult>): Promise<CachedResult> {
    const lru = this.lru;
    if (!lru) return { result: await invoke(), source: 'target' };
    const now = Date.now();
    const cached = lru.get(key);
    if (cached && now < cached.freshUntil) {
      this.report('hit', cached.bytes);
      return { result: { ok: true, verbs: cached.verbs }, source: 'cache' };
    }
    const joining = this.inFlight.has(key);
    this.report(joining ? 'coalesced' : 'miss');
    try {
      const entry = await lru.fetch(key, { forceRefresh: true, context: { policy, invoke } });
      if (!entry) return { result: await invoke(), source: 'target' };
      if (entry.servedStale) {
        this.report('stale', entry.bytes);
        return { result: { ok: true, verbs: entry.verbs }, source: 'stale', staleReason: entry.servedStale.reason };
      }
      return { result: { ok: true, verbs: entry.verbs }, source: joining ? 'cache' : 'target' };
    } catch (error) {
      if (error instanceof UncachedResult) return { result: error.result, source: 'target' };
      throw error;
    }
  }

  clear(): void {
    this.lru?.clear();
  }

  private async refresh(
    key: string,
    previous: CacheEntry | undefined,
    options: LRUCache.FetcherFetchOptions<string, CacheEntry, FetchContext>,
    context: FetchContext,
  ): Promise<CacheEntry> {
    this.inFlight.add(key);
    try {
      const result = await context.invoke();
      const now = Date.now();
      if (result.ok && !result.noChange) {
        const freshMs = freshnessMs(result.cacheControl, context.policy.ttlMs);
        if (freshMs === undefined) throw new UncachedResult(result);
        const bytes = Buffer.byteLength(JSON.stringify(result.verbs));
        const entry: CacheEntry = { verbs: result.verbs, freshUntil: now + freshMs, staleUntil: now + freshMs + context.policy.staleIfErrorMs, bytes };
        options.ttl = freshMs + context.policy.staleIfErrorMs;
        this.report('store', bytes);
        return entry;
      }
      if (!result.ok && previous && now < previous.staleUntil) {
        options.ttl = Math.max(1, previous.staleUntil - now);
        return { ...previous, servedStale: { reason: result.reason } };
      }
      throw new UncachedResult(result);
    } finally {
      this.inFlight.delete(key);
    }
  }

  private report(event: 'hit' | 'miss' | 'coalesced' | 'stale' | 'store' | 'eviction', bytes?: number): void {
    this.events.emitIfHeard('cache', () => ({ event, ...(bytes !== undefined && { bytes }), totalBytes: this.totalBytes, entries: this.entries }));
  }
}
