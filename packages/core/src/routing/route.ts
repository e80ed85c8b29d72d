import type { CachePolicy } from '../cache/cache-policy.js';
import type { FallbackList } from '../fallback/fallback-list.js';
import type { BreakerIdentity, BreakerSettings } from '../resilience/breaker-registry.js';
import type { Target } from '../targets/target.js';

/** Everything needed to answer a hook for one application, compiled at config load. */
export interface Route {
  accountSid: string;
  /** Undefined for an account's default route (an application the config does not list). */
  applicationSid?: string;
  target: Target;
  /** The hook's whole budget: the answer (target's or fallback) goes out before it is spent. */
  deadlineMs: number;
  /** Verbs answered when the target fails on the initial call hook (call not answered yet). */
  initialFallback: FallbackList;
  /** Verbs answered when the target fails on a hook during the call (actionHooks); never sip:decline. */
  midCallFallback: FallbackList;
  /** Which breaker guards the target for this route, and its merged thresholds. */
  breaker: { identity: BreakerIdentity; settings: BreakerSettings };
  /** Present when the application opted in to the answer cache. */
  cache?: CachePolicy;
}

export type RouteLookup =
  | { kind: 'route'; route: Route }
  | { kind: 'unknown_account' }
  | { kind: 'foreign_application' }
  | { kind: 'no_target' };
