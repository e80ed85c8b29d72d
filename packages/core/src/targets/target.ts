import type { CallHook, Verb } from '@graine/sdk';
import type { Deadline } from '../resilience/deadline.js';
import type { RequestSigning } from '../signatures/webhook-signature.js';

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
  'invalid_verbs',
  'body_too_large',
  'circuit_open',
  'plugin_error',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type InvocationResult =
  | {
      ok: true;
      verbs: Verb[];
      /** 202, 204 or `[]` where the hook kind allows it: the platform continues its current verb stack. */
      noChange?: boolean;
      /** The upstream's Cache-Control header, for the answer cache. */
      cacheControl?: string;
      /** The answer's bytes as the upstream sent them: sent on unchanged when nothing in them needs rewriting. */
      raw?: Buffer;
    }
  | { ok: false; reason: FailureReason; detail: string };

export interface CallHookInvocation {
  hook: CallHook;
  /** The platform's payload as it came (query and body merged), forwarded to upstreams untouched. */
  payload: Record<string, unknown>;
  requestId: string;
  /** When the gateway stops waiting for the target. */
  deadline: Deadline;
  /** Sign the forwarded body with the tenant's secret (upstreams with `signRequests`). */
  signing?: RequestSigning;
}

/**
 * A follow-up hook (gather digits, dial outcome …) or a status event, on its way back to the target that
 * wrote the hook. Upstreams receive it at their own origin + the hook's original path, with the method
 * and the body the platform sent; plugins receive it by name.
 */
export interface ForwardedHook {
  /** The hook's own path and query as the target wrote it (`/menu-choice?step=2`); undefined: the target's configured URL. */
  path?: string;
  /** The scheme://host:port of an absolute hook on another host that the tenant routes through the gateway. */
  origin?: string;
  method: 'GET' | 'POST';
  /** The body exactly as the platform sent it; forwarded byte for byte. */
  rawBody?: string;
  /** Query and body merged: what a plugin handler receives. */
  payload: Record<string, unknown>;
  callSid?: string;
  requestId: string;
  /** When the gateway stops waiting for the target. */
  deadline: Deadline;
  /** Sign the forwarded body with the tenant's secret (upstreams with `signRequests`). */
  signing?: RequestSigning;
}

export type DeliveryResult = { ok: true } | { ok: false; reason: FailureReason; detail: string };

/** Something that answers hooks: a tenant's upstream backend or a plugin instance. */
export interface Target {
  readonly kind: 'upstream' | 'plugin';
  /** The configured name: what logs and metrics show (never a URL). */
  readonly name: string;
  invokeCallHook(invocation: CallHookInvocation): Promise<InvocationResult>;
  /** A follow-up hook; `verbs: []` means "no change" (protocol §1.1: 204, `[]` or a non-JSON answer). */
  invokeFollowUpHook(hook: ForwardedHook): Promise<InvocationResult>;
  /** A call-status (or conference status) event; the answer carries no verbs. */
  deliverStatusEvent(event: ForwardedHook): Promise<DeliveryResult>;
  /** Releases what the target holds (agents, plugin resources) when its config generation is dropped. */
  dispose(): Promise<void>;
}

export function failure(reason: FailureReason, detail: string): InvocationResult {
  return { ok: false, reason, detail };
}
