import type { CallHook, Verb } from '@graine/sdk';

/**
 * Why an invocation did not produce verbs. One list drives the fallback, the log line and the metric
 * label alike (STYLE habit 5).
 */
export const FAILURE_REASONS = [
  'timeout',
  'connect_error',
  'bad_status',
  'redirect',
  'bad_content_type',
  'invalid_json',
  'invalid_response',
  'body_too_large',
  'circuit_open',
  'plugin_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type InvocationResult =
  | { ok: true; verbs: Verb[] }
  | { ok: false; reason: FailureReason; detail: string };

export interface CallHookInvocation {
  hook: CallHook;
  /** The platform's payload as it came (query and body merged), forwarded to upstreams untouched. */
  payload: Record<string, unknown>;
  requestId: string;
  /** Aborted at the hook's deadline. */
  signal: AbortSignal;
  /** Epoch milliseconds at which the gateway stops waiting. */
  deadline: number;
}

/** Something that answers hooks: a tenant's upstream backend or a plugin instance. */
export interface Target {
  readonly kind: 'upstream' | 'plugin';
  /** The configured name: what logs and metrics show (never a URL). */
  readonly name: string;
  invokeCallHook(invocation: CallHookInvocation): Promise<InvocationResult>;
  /** Releases what the target holds (agents, plugin resources) when its config generation is dropped. */
  dispose(): Promise<void>;
}

export function failure(reason: FailureReason, detail: string): InvocationResult {
  return { ok: false, reason, detail };
}
