import type { Verb } from '@graine/sdk';
import type { Target } from '../targets/target.js';

/** Everything needed to answer a hook for one application, compiled at config load. */
export interface Route {
  accountSid: string;
  /** Undefined for an account's default route (an application the config does not list). */
  applicationSid?: string;
  target: Target;
  deadlineMs: number;
  /** Verbs answered when the target fails on the initial call hook (call not answered yet). */
  initialFallback: readonly Verb[];
}

export type RouteLookup =
  | { kind: 'route'; route: Route }
  | { kind: 'unknown_account' }
  | { kind: 'foreign_application' }
  | { kind: 'no_target' };
