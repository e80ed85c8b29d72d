import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, type Got, type Response } from 'got';
import type { UpstreamConfig } from '../config/types.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import type { FailureReason } from './target.js';
import { signatureHeaderValue } from '../signatures/webhook-signature.js';
import {
  failure,
  type CallHookInvocation,
  type DeliveryResult,
  type ForwardedHook,
  type InvocationResult,
  type Target,
} from './target.js';
import type { UpstreamAgents } from './upstream-agents.js';

/** Default for an upstream that names no timeout; the hook's deadline cuts it shorter when needed. */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 6000;

/**
 * A tenant backend. Its got instance is built once, at config load, with the options that never change
 * per request (agent, credentials, headers, no redirects, no got retries), so the hot path only merges
 * the request's own parts.
 */
export class UpstreamTarget implements Target {
  readonly kind = 'upstream' as const;
  private readonly client: Got;
  /** For absolute hooks on other hosts: the upstream's credentials and headers must not follow them. */
  private readonly foreignClient: Got;
  private readonly url: URL;
  private readonly method: 'GET' | 'POST';
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    config: UpstreamConfig,
    agents: UpstreamAgents,
    private readonly metrics?: GatewayMetrics,
  ) {
    this.url = new URL(config.url);
    this.method = config.method ?? 'POST';
    this.timeoutMs = config.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    const agent = agents.forOrigin(this.url);
    this.client = got.extend({
      agent: agent instanceof HttpsAgent ? { https: agent } : { http: agent },
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      responseType: 'buffer',
      headers: { 'user-agent': 'graine-hook-gateway', ...config.headers },
      ...(config.auth && { username: config.auth.username, password: config.auth.password }),
    });
    this.foreignClient = got.extend({
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      responseType: 'buffer',
      headers: { 'user-agent': 'graine-hook-gateway' },
    });
  }

  async invokeCallHook(invocation: CallHookInvocation): Promise<InvocationResult> {
    const started = performance.now();
    const result = await this.request(invocation);
    this.metrics?.upstreamRequest(this.name, result.ok ? 'ok' : result.reason, (performance.now() - started) / 1000);
    return result;
  }

  private async request(invocation: CallHookInvocation): Promise<InvocationResult> {
    const timeout = Math.max(1, Math.min(this.timeoutMs, invocation.deadline - Date.now()));
    let response: Response<Buffer>;
    try {
      // Serialised here rather than by got, so that a signature covers exactly the bytes sent.
      const body = this.method === 'POST' ? JSON.stringify(invocation.payload) : undefined;
      const headers: Record<string, string> = { 'x-request-id': invocation.requestId, 'x-call-sid': invocation.hook.call_sid };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (invocation.signing) headers[invocation.signing.header] = signatureHeaderValue(invocation.signing.secret, body ?? '');
      response = await this.client(this.url, {
        method: this.method,
        headers,
        timeout: { request: timeout },
        signal: invocation.signal,
        responseType: 'buffer',
        ...(body === undefined ? { searchParams: scalarFields(invocation.payload) } : { body }),
      });
    } catch (error) {
      return classifyRequestError(error);
    }
    return readVerbs(response);
  }

  async invokeFollowUpHook(hook: ForwardedHook): Promise<InvocationResult> {
    const started = performance.now();
    const response = await this.forward(hook);
    const result = 'statusCode' in response ? readFollowUpVerbs(response) : response;
    this.metrics?.upstreamRequest(this.name, result.ok ? 'ok' : result.reason, (performance.now() - started) / 1000);
    return result;
  }

  async deliverStatusEvent(event: ForwardedHook): Promise<DeliveryResult> {
    const response = await this.forward(event);
    if (!('statusCode' in response)) return response;
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
    return { ok: false, reason: 'bad_status', detail: `answered ${response.statusCode}` };
  }

  /**
   * Sends a hook on to this upstream's origin + the hook's own path (the platform's way of resolving a
   * relative hook, protocol §2.1), with the platform's method and body bytes unchanged.
   */
  private async forward(hook: ForwardedHook): Promise<Response<Buffer> | { ok: false; reason: FailureReason; detail: string }> {
    const foreign = hook.origin !== undefined && hook.origin !== this.url.origin;
    // Concatenated, not resolved: a path such as `//other.host/x` must not change the host.
    const url = hook.path === undefined ? this.url : new URL(`${hook.origin ?? this.url.origin}${hook.path.split('#')[0]}`);
    const body = hook.method === 'POST' ? (hook.rawBody ?? '') : undefined;
    const headers: Record<string, string> = { 'x-request-id': hook.requestId };
    if (hook.callSid) headers['x-call-sid'] = hook.callSid;
    if (body !== undefined && body !== '') headers['content-type'] = 'application/json';
    if (hook.signing && !foreign) headers[hook.signing.header] = signatureHeaderValue(hook.signing.secret, body ?? '');
    const timeout = Math.max(1, Math.min(this.timeoutMs, hook.deadline - Date.now()));
    try {
      return await (foreign ? this.foreignClient : this.client)(url, {
        method: hook.method,
        headers,
        timeout: { request: timeout },
        signal: hook.signal,
        responseType: 'buffer',
        ...(body !== undefined && body !== '' && { body }),
      });
    } catch (error) {
      return classifyRequestError(error) as { ok: false; reason: FailureReason; detail: string };
    }
  }

  async dispose(): Promise<void> {
    // Agents are shared per origin and destroyed with their registry.
  }
}

/** A GET upstream receives the hook as query parameters; nested values (sip, env_vars) do not fit a query. */
function scalarFields(payload: Record<string, unknown>): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

function classifyRequestError(error: unknown): InvocationResult {
  if (error instanceof RequestError) {
    const code = error.code;
    if (code === 'ETIMEDOUT' || code === 'ERR_ABORTED' || error.name === 'AbortError' || error.name === 'TimeoutError') {
      return failure('timeout', `no answer in time (${code})`);
    }
    return failure('connect_error', code || error.message);
  }
  if (error instanceof Error && error.name === 'AbortError') return failure('timeout', 'aborted at the deadline');
  return failure('connect_error', error instanceof Error ? error.message : String(error));
}

function readVerbs(response: Response<Buffer>): InvocationResult {
  if (response.statusCode >= 300 && response.statusCode < 400) {
    return failure('redirect', `answered ${response.statusCode}; redirects are not followed`);
  }
  if (response.statusCode !== 200) return failure('bad_status', `answered ${response.statusCode}`);
  const contentType = response.headers['content-type'] ?? '';
  if (!contentType.includes('application/json')) {
    return failure('bad_content_type', `content-type is ${contentType || 'missing'}, not application/json`);
  }
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return failure('invalid_json', 'body is not valid JSON');
  }
  if (!Array.isArray(body)) return failure('invalid_response', 'body is not a JSON array of verbs');
  if (body.length === 0) return failure('invalid_response', 'empty verb array for the call hook');
  return { ok: true, verbs: body };
}

/**
 * A follow-up hook's answer: the platform treats 204, 202, `[]` and a non-JSON 200 as "no change, continue
 * the current verbs" (protocol §1.1, §4.1), so those are `verbs: []` here rather than failures.
 */
function readFollowUpVerbs(response: Response<Buffer>): InvocationResult {
  if (response.statusCode === 204 || response.statusCode === 202) return { ok: true, verbs: [] };
  if (response.statusCode >= 300 && response.statusCode < 400) {
    return failure('redirect', `answered ${response.statusCode}; redirects are not followed`);
  }
  if (response.statusCode !== 200) return failure('bad_status', `answered ${response.statusCode}`);
  if (!(response.headers['content-type'] ?? '').includes('application/json')) return { ok: true, verbs: [] };
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    return failure('invalid_json', 'body is not valid JSON');
  }
  if (!Array.isArray(body)) return failure('invalid_response', 'body is not a JSON array of verbs');
  return { ok: true, verbs: body };
}
