import type { FieldProblem } from '../hooks/problems.js';
import type { GuardedResult } from '../resilience/guarded-invocation.js';
import type { FailureReason } from '../targets/target.js';

/** How a hook ended: the outcome label of logs and metrics (`cache_hit`/`stale`: answered from the answer cache). */
export type HookOutcome = 'answered' | 'cache_hit' | 'stale' | 'fallback' | 'rejected';

/** What the gateway answers, and what it tells its log about it. */
export interface HookAnswer {
  status: number;
  /** A JSON value, or a string already serialised as JSON (verbs answers: see WholeCallRuntime.answerJson). */
  body: unknown;
  headers: Record<string, string>;
  outcome: HookOutcome;
  reason?: FailureReason | RejectionReason;
  /** Human-readable detail for the log; never sent to the platform, never holds secrets. */
  detail?: string;
  accountSid?: string;
  applicationSid?: string;
  callSid?: string;
  target?: string;
  /** The caller and called numbers, for the log line (masked there when configured); never metric labels. */
  from?: string;
  to?: string;
  /** Why credentials were refused (missing, malformed, invalid): the auth-failure metric's reason. */
  authFailure?: string;
}

export type RejectionReason =
  | 'unauthenticated'
  | 'invalid_request'
  | 'forbidden'
  | 'unknown_account'
  | 'no_route'
  | 'invalid_signature'
  | 'unknown_route_token';

export function rejection(
  status: number,
  reason: RejectionReason,
  error: string,
  details?: FieldProblem[],
  headers: Record<string, string> = {},
): HookAnswer {
  return { status, body: details ? { error, details } : { error }, headers, outcome: 'rejected', reason };
}

export const WWW_AUTHENTICATE = { 'www-authenticate': 'Basic realm="graine-gateway"' } as const;

/** How an answer the target or the answer cache gave is labelled: header, outcome and, when stale, why. */
export function servedFrom({ source, staleReason }: Pick<GuardedResult, 'source' | 'staleReason'>): Pick<HookAnswer, 'headers' | 'outcome' | 'detail'> {
  if (source === 'cache') return { headers: { 'x-gateway-outcome': 'cached' }, outcome: 'cache_hit' };
  if (source === 'stale') {
    const reason = staleReason ?? 'unknown';
    return { headers: { 'x-gateway-outcome': `stale; reason=${reason}` }, outcome: 'stale', detail: `served a stale cached answer: ${reason}` };
  }
  return { headers: {}, outcome: 'answered' };
}
