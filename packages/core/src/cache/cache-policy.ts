import type { CacheConfig } from '../config/types.js';

export type CacheableHookKind = 'call' | 'action';

/** An application's cache settings, compiled at load. */
export interface CachePolicy {
  ttlMs: number;
  /** Hook fields in the key, in config order. call_sid only when listed. */
  vary: readonly string[];
  staleIfErrorMs: number;
  hooks: ReadonlySet<CacheableHookKind>;
}

export function compileCachePolicy(config: CacheConfig): CachePolicy {
  return {
    ttlMs: config.ttlMs,
    vary: [...(config.vary ?? [])],
    staleIfErrorMs: config.staleIfErrorMs ?? 0,
    hooks: new Set(config.hooks ?? ['call']),
  };
}

/**
 * How long an answer stays fresh, from the upstream's Cache-Control (a shared cache reads s-maxage
 * before max-age) or else the configured TTL; undefined when it must not be stored at all
 * (no-store, no-cache, private, or a max-age of 0).
 */
export function freshnessMs(cacheControl: string | undefined, configuredTtlMs: number): number | undefined {
  if (!cacheControl) return configuredTtlMs;
  const directives = new Map<string, string | undefined>();
  for (const part of cacheControl.toLowerCase().split(',')) {
    const [name, value] = part.trim().split('=', 2) as [string, string | undefined];
    if (name) directives.set(name, value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return undefined;
  for (const name of ['s-maxage', 'max-age']) {
    const value = directives.get(name);
    if (value !== undefined) {
      const seconds = Number.parseInt(value, 10);
      if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
      return seconds * 1000;
    }
  }
  return configuredTtlMs;
}
