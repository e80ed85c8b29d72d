import { LRUCache } from 'lru-cache';

/** Which tenant route a call belongs to, remembered from the hooks that named it. */
export interface CallRoute {
  accountSid: string;
  applicationSid: string;
}

export interface CallAffinityOptions {
  maxCalls: number;
  /** Longer than the longest call: a call's events still find their route hours after it started. */
  ttlMs: number;
}

export const DEFAULT_CALL_AFFINITY: CallAffinityOptions = { maxCalls: 100_000, ttlMs: 12 * 60 * 60 * 1000 };

/**
 * call_sid → route, for the hooks whose URL and body do not say which tenant they belong to (a status
 * event without account/application sids, a GET without a route token). Bounded by count and age, so a
 * flood of call sids cannot grow it; it lives for the process, across config reloads.
 */
export class CallAffinity {
  private readonly calls: LRUCache<string, CallRoute>;

  constructor(options: CallAffinityOptions = DEFAULT_CALL_AFFINITY) {
    this.calls = new LRUCache<string, CallRoute>({ max: options.maxCalls, ttl: options.ttlMs, updateAgeOnGet: false });
  }

  remember(callSid: string | undefined, route: CallRoute): void {
    if (!callSid) return;
    const known = this.calls.get(callSid);
    if (known && known.accountSid === route.accountSid && known.applicationSid === route.applicationSid) return;
    this.calls.set(callSid, { accountSid: route.accountSid, applicationSid: route.applicationSid });
  }

  /** A B-leg's events name their own call_sid and the A-leg as parent_call_sid. */
  routeOf(callSid: string | undefined, parentCallSid?: string): CallRoute | undefined {
    return (callSid ? this.calls.get(callSid) : undefined) ?? (parentCallSid ? this.calls.get(parentCallSid) : undefined);
  }

  get size(): number {
    return this.calls.size;
  }
}
