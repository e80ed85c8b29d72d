import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type CancelableRequest, type Got, type OptionsInit, type Response } from 'got';
import type { Verb } from '@graine/sdk';
import type { UpstreamConfig } from '../config/types.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { ResilienceEvents } from '../resilience/resilience-events.js';
import type { Deadline } from '../resilience/deadline.js';
import { signatureHeaderValue, type RequestSigning } from '../signatures/webhook-signature.js';
import {
  failure,
  type CallHookInvocation,
  type DeliveryResult,
  type FailureReason,
  type ForwardedHook,
  type InvocationResult,
  type Target,
} from './target.js';
import type { UpstreamAgents } from './upstream-agents.js';

/** Default for an upstream that names no timeout; the hook's deadline cuts it shorter when needed. */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 6000;
export const DEFAULT_UPSTREAM_MAX_BODY_BYTES = 1024 * 1024;
/** A retry is only worth it when this much budget is left after its jittered pause. */
export const RETRY_MIN_BUDGET_MS = 200;
const RETRY_JITTER_MIN_MS = 20;
const RETRY_JITTER_SPAN_MS = 80;
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET']);
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** One request to an upstream's configured URL, for any hook kind. */
export interface UpstreamRequest {
  /** The platform's payload, forwarded as JSON (POST) or as query parameters (GET). */
  payload: Record<string, unknown>;
  requestId: string;
  callSid?: string;
  /** When the gateway stops waiting: it cuts the request's timeout and aborts it. */
  deadline: Deadline;
  /**
   * True for hooks where the platform reads 202, 204 and `[]` as "no change, continue the current
   * verb stack" (actionHooks, protocol §4.1); false for the initial call hook, where they are failures.
   */
  noChangeAllowed: boolean;
  /** Sign the body with the tenant's secret (upstreams with `signRequests`). */
  signing?: RequestSigning;
}

/** What an upstream answered: the raw verbs (validated by the caller), "no change", or a failure. */
export type UpstreamResult = InvocationResult;

/** A request ready to send: which got instance (own or foreign host), where, and the per-request options. */
interface PreparedRequest {
  client: Got;
  url: URL;
  options: OptionsInit;
}

const USER_AGENT = 'graine-hook-gateway';
const FIXED_OPTIONS = { followRedirect: false, throwHttpErrors: false, retry: { limit: 0 }, responseType: 'buffer' as const };
let sharedForeignClient: Got | undefined;

/**
 * For absolute hooks on other hosts: the upstream's credentials and headers must not follow them, so one
 * plain instance serves every upstream.
 */
function foreignHostClient(): Got {
  sharedForeignClient ??= got.extend({ ...FIXED_OPTIONS, headers: { 'user-agent': USER_AGENT } });
  return sharedForeignClient;
}

type Exchange = { response: Response<Buffer> } | { failed: { ok: false; reason: FailureReason; detail: string }; retryable: boolean };

/**
 * A tenant backend. Its got instances are built once, at config load, with the options that never
 * change per request (agent, credentials, headers, no redirects, no got retries), so the hot path only
 * merges the request's own parts. Every request's timeout is cut to what remains of the hook's budget,
 * and the answer's size limit holds while it downloads. Retries are ours: at most one, for connection
 * refused/reset and 502/503/504, after a jittered pause, and only when the budget still has room for
 * it. Timeouts are not retried.
 */
export class UpstreamTarget implements Target {
  readonly kind = 'upstream' as const;
  readonly url: URL;
  private readonly method: 'GET' | 'POST';
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private ownClient: Got | undefined;
  /** Set when the generation is dropped: requests cut by the agents' destruction are not retried. */
  private disposed = false;

  constructor(
    readonly name: string,
    private readonly config: UpstreamConfig,
    private readonly agents: UpstreamAgents,
    private readonly metrics?: GatewayMetrics,
    private readonly events?: ResilienceEvents,
  ) {
    this.url = new URL(config.url);
    this.method = config.method ?? 'POST';
    this.timeoutMs = config.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    this.maxBodyBytes = config.maxBodyBytes ?? DEFAULT_UPSTREAM_MAX_BODY_BYTES;
  }

  /**
   * The got instance with this upstream's fixed options, built on its first request and kept: with
   * 10,000 tenants configured, most upstreams are idle at any moment and need neither got instance nor agent.
   */
  private get client(): Got {
    if (!this.ownClient) {
      const agent = this.agents.forOrigin(this.url);
      this.ownClient = got.extend({
        ...FIXED_OPTIONS,
        agent: agent instanceof HttpsAgent ? { https: agent } : { http: agent },
        headers: { 'user-agent': USER_AGENT, ...this.config.headers },
        ...(this.config.auth && { username: this.config.auth.username, password: this.config.auth.password }),
      });
    }
    return this.ownClient;
  }

  invokeCallHook(invocation: CallHookInvocation): Promise<InvocationResult> {
    return this.invoke({
      payload: invocation.payload,
      requestId: invocation.requestId,
      callSid: invocation.hook.call_sid,
      deadline: invocation.deadline,
      noChangeAllowed: false,
      ...(invocation.signing && { signing: invocation.signing }),
    });
  }

  /** Calls the configured URL for any hook kind, with the retry rules above. */
  invoke(request: UpstreamRequest): Promise<UpstreamResult> {
    // Serialised here rather than by got, so that a signature covers exactly the bytes sent.
    const body = this.method === 'POST' ? JSON.stringify(request.payload) : undefined;
    const headers: Record<string, string> = { 'x-request-id': request.requestId };
    if (request.callSid) headers['x-call-sid'] = request.callSid;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (request.signing) headers[request.signing.header] = signatureHeaderValue(request.signing.secret, body ?? '');
    const prepared: PreparedRequest = {
      client: this.client,
      url: this.url,
      options: { method: this.method, headers, ...(body === undefined ? { searchParams: hookQuery(this.url, request.payload) } : { body }) },
    };
    return this.withRetry(prepared, request.deadline, (response) => readVerbs(response, request.noChangeAllowed));
  }

  /** A follow-up hook; `verbs: []` means "no change" (protocol §1.1: 204, `[]` or a non-JSON answer). */
  invokeFollowUpHook(hook: ForwardedHook): Promise<InvocationResult> {
    return this.withRetry(this.prepareForward(hook), hook.deadline, readFollowUpVerbs);
  }

  /** One attempt: the status queue has its own retries and backoff. */
  async deliverStatusEvent(event: ForwardedHook): Promise<DeliveryResult> {
    const started = performance.now();
    const exchange = await this.exchange(this.prepareForward(event), event.deadline);
    const status = 'response' in exchange ? exchange.response.statusCode : undefined;
    const result: DeliveryResult =
      'failed' in exchange
        ? exchange.failed
        : status! >= 200 && status! < 300
          ? { ok: true }
          : { ok: false, reason: 'bad_status', detail: `answered ${status}` };
    this.report(1, result, status, performance.now() - started);
    return result;
  }

  async dispose(): Promise<void> {
    // Agents are shared per origin and destroyed with their registry, which ends requests in flight.
    this.disposed = true;
  }

  /**
   * Sends a hook on to this upstream's origin + the hook's own path (the platform's way of resolving a
   * relative hook, protocol §2.1), with the platform's method and body bytes unchanged.
   */
  private prepareForward(hook: ForwardedHook): PreparedRequest {
    const foreign = hook.origin !== undefined && hook.origin !== this.url.origin;
    // Concatenated, not resolved: a path such as `//other.host/x` must not change the host.
    const url = hook.path === undefined ? this.url : new URL(`${hook.origin ?? this.url.origin}${hook.path.split('#')[0]}`);
    const body = hook.method === 'POST' ? (hook.rawBody ?? '') : undefined;
    const headers: Record<string, string> = { 'x-request-id': hook.requestId };
    if (hook.callSid) headers['x-call-sid'] = hook.callSid;
    if (body !== undefined && body !== '') headers['content-type'] = 'application/json';
    if (hook.signing && !foreign) headers[hook.signing.header] = signatureHeaderValue(hook.signing.secret, body ?? '');
    // A GET sent to the configured URL itself (`GET /webhooks/status`) carries its fields in the query:
    // they go on as query parameters, or the sink would receive an empty event.
    const query = hook.path === undefined && hook.method === 'GET' ? { searchParams: hookQuery(this.url, hook.payload) } : {};
    return {
      client: foreign ? foreignHostClient() : this.client,
      url,
      options: { method: hook.method, headers, ...(body !== undefined && body !== '' && { body }), ...query },
    };
  }

  private async withRetry(
    prepared: PreparedRequest,
    deadline: Deadline,
    read: (response: Response<Buffer>) => InvocationResult,
  ): Promise<InvocationResult> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const exchange = await this.exchange(prepared, deadline);
      const result = 'failed' in exchange ? exchange.failed : read(exchange.response);
      const status = 'response' in exchange ? exchange.response.statusCode : undefined;
      const retryable = 'failed' in exchange ? exchange.retryable : RETRYABLE_STATUSES.has(status!);
      this.report(attempt, result, status, performance.now() - started);
      if (result.ok || !retryable || attempt >= 2 || this.disposed) return result;
      const pause = RETRY_JITTER_MIN_MS + Math.random() * RETRY_JITTER_SPAN_MS;
      if (deadline.remaining() - pause < RETRY_MIN_BUDGET_MS) return result;
      try {
        await sleep(pause, undefined, { signal: deadline.signal });
      } catch {
        return result;
      }
    }
  }

  /** One HTTP exchange under the hook's remaining budget, its answer read up to the size limit. */
  private async exchange(prepared: PreparedRequest, deadline: Deadline): Promise<Exchange> {
    // The timeout ends the request at the deadline; the deadline's listener ends it early (a shutdown
    // abandoning a status delivery). Not got's `signal`: an AbortSignal per request, and got's listeners
    // on it, were a visible part of this path's profile.
    const pending = prepared.client(prepared.url, {
      ...prepared.options,
      timeout: { request: deadline.cut(this.timeoutMs) },
    }) as unknown as CancelableRequest<Response<Buffer>>;
    const stopListening = deadline.whenPassed(() => pending.cancel());
    // A declared or downloaded length over the limit cancels the download there and then.
    let tooLarge = false;
    const cancelIfTooLarge = (bytes: number) => {
      if (bytes > this.maxBodyBytes && !tooLarge) {
        tooLarge = true;
        pending.cancel();
      }
    };
    pending.on('response', (response: Response) => cancelIfTooLarge(Number(response.headers['content-length'] ?? 0)));
    pending.on('downloadProgress', (progress) => cancelIfTooLarge(progress.transferred));
    try {
      return { response: await pending };
    } catch (error) {
      if (tooLarge) return { failed: { ok: false, reason: 'body_too_large', detail: `answer larger than ${this.maxBodyBytes} bytes` }, retryable: false };
      return classifyRequestError(error, deadline);
    } finally {
      stopListening();
    }
  }

  private report(attempt: number, result: InvocationResult | DeliveryResult, status: number | undefined, durationMs: number): void {
    const outcome = result.ok ? 'ok' : result.reason;
    this.metrics?.upstreamRequest(this.name, outcome, durationMs / 1000);
    // A diagnostic event the gateway itself does not listen to.
    this.events?.emitIfHeard('upstreamAttempt', () => ({ upstream: this.name, attempt, outcome, ...(status !== undefined && { status }), durationMs }));
  }
}

/**
 * The hook's scalar fields as the query of a GET to `url` (nested values such as sip or env_vars do not
 * fit a query). got's `searchParams` replaces the URL's own query, so parameters configured in the URL
 * (`?key=…`) are kept here, and win over a hook field of the same name.
 */
function hookQuery(url: URL, payload: Record<string, unknown>): Record<string, string | number | boolean> | URLSearchParams {
  const fields = scalarFields(payload);
  if (url.search === '') return fields;
  const query = new URLSearchParams(url.search);
  for (const [key, value] of Object.entries(fields)) if (!query.has(key)) query.append(key, String(value));
  return query;
}

function scalarFields(payload: Record<string, unknown>): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

function classifyRequestError(error: unknown, deadline: Deadline): Exchange {
  const code = (error as { code?: string }).code ?? '';
  const name = (error as { name?: string }).name ?? '';
  if (deadline.passed || code === 'ETIMEDOUT' || code === 'ERR_ABORTED' || name === 'AbortError' || name === 'TimeoutError') {
    return { failed: { ok: false, reason: 'timeout', detail: `no answer in time (${code || name})` }, retryable: false };
  }
  const detail = code || (error instanceof Error ? error.message : String(error));
  return { failed: { ok: false, reason: 'connect_error', detail }, retryable: RETRYABLE_CODES.has(code) };
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/([a-z0-9.+-]*\+)?json\b/i.test((contentType ?? '').trim());
}

/** The call hook's answer (and any hook read the same way): only a 200 JSON array is verbs. */
function readVerbs(response: Response<Buffer>, noChangeAllowed: boolean): InvocationResult {
  const status = response.statusCode;
  if (status >= 300 && status < 400) return failure('redirect', `answered ${status}; redirects are not followed`);
  if (noChangeAllowed && (status === 202 || status === 204)) return { ok: true, verbs: [], noChange: true };
  if (status !== 200) return failure('bad_status', `answered ${status}`);
  const contentType = response.headers['content-type'];
  if (!isJson(contentType)) return failure('bad_content_type', `content-type is ${contentType || 'missing'}, not application/json`);
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return failure('invalid_json', 'body is not valid JSON');
  }
  if (!Array.isArray(body)) return failure('invalid_response', 'body is not a JSON array of verbs');
  const cacheControl = response.headers['cache-control'];
  return {
    ok: true,
    verbs: body as Verb[],
    raw: response.body,
    ...(noChangeAllowed && body.length === 0 && { noChange: true }),
    ...(cacheControl !== undefined && { cacheControl }),
  };
}

/**
 * A follow-up hook's answer: the platform treats 204, 202, `[]` and a non-JSON 200 as "no change, continue
 * the current verbs" (protocol §1.1, §4.1), so those are `verbs: []` here rather than failures.
 */
function readFollowUpVerbs(response: Response<Buffer>): InvocationResult {
  if (response.statusCode === 200 && !isJson(response.headers['content-type'])) return { ok: true, verbs: [], noChange: true };
  return readVerbs(response, true);
}
