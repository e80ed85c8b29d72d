import { LRUCache } from 'lru-cache';
import type { PluginCache } from '@graine/sdk';

export interface PluginCacheStoreOptions {
  /** Entries kept across all plugins and tenants; the least recently used go first. */
  maxEntries?: number;
  /** Longest life of an entry, also for entries set without a TTL. */
  maxTtlMs?: number;
}

const SEPARATOR = '\u0000';

/**
 * One bounded LRU shared by every plugin instance, made once at the composition root so that it
 * survives reloads. Each plugin and tenant sees a view whose keys are prefixed with both, so two
 * plugins, or two tenants of one plugin, can never read each other's entries.
 */
export class PluginCacheStore {
  private readonly entries: LRUCache<string, { value: unknown }>;
  private readonly maxTtlMs: number;

  constructor(options: PluginCacheStoreOptions = {}) {
    this.maxTtlMs = options.maxTtlMs ?? 60 * 60 * 1000;
    this.entries = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: this.maxTtlMs, ttlAutopurge: false });
  }

  get size(): number {
    return this.entries.size;
  }

  view(plugin: string, accountSid: string): PluginCache {
    const prefix = `${plugin}${SEPARATOR}${accountSid}${SEPARATOR}`;
    return {
      get: <T>(key: string) => this.entries.get(prefix + key)?.value as T | undefined,
      set: (key, value, options) => {
        const ttl = Math.min(options?.ttlMs ?? this.maxTtlMs, this.maxTtlMs);
        this.entries.set(prefix + key, { value }, { ttl });
      },
      delete: (key) => {
        this.entries.delete(prefix + key);
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }
}
