import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { RequestError, type Got } from 'got';
import type { HttpRequest, HttpResponse, PluginHttpClient, PluginRoute } from '@graine/sdk';
import { DEFAULT_BREAKER_SETTINGS, type BreakerRegistry } from '../resilience/breaker-registry.js';
import { currentPluginCall } from './plugin-call-scope.js';

const DEFAULT_TIMEOUT_MS = 5000;

/** A plugin's request failed before an answer came: `code` is got's (ETIMEDOUT, ECONNREFUSED, ERR_ABORTED…). */
export class PluginHttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PluginHttpError';
  }
}

/**
 * The HTTP clients plugins receive. One got instance and one keep-alive agent pair, made at the
 * composition root, serve every plugin. A request made while a hook is answered is cut to what is left
 * of that hook's deadline and aborted with it, so a slow tenant API cannot hold a hook past its deadline.
 */
export class PluginHttpClients {
  private readonly agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8 }),
  };
  private readonly client: Got;

  constructor(private readonly defaultTimeoutMs = DEFAULT_TIMEOUT_MS) {
    this.client = got.extend({
      agent: this.agents,
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      responseType: 'text',
      headers: { 'user-agent': 'graine-hook-gateway-plugin' },
    });
  }

  /**
   * The client of one plugin instance. With `breakers`, its requests to each origin go through a
   * breaker of their own (per plugin, tenant and origin): connection errors, timeouts and 5xx answers
   * count, and an open breaker fails fast with `EOPENBREAKER` without touching the network.
   */
  forPlugin(plugin: string, route: PluginRoute, breakers?: BreakerRegistry): PluginHttpClient {
    return {
      request: async <T>(request: HttpRequest) => {
        if (!breakers) return this.request<T>(plugin, request);
        const origin = originOf(plugin, request.url);
        const identity = { key: `plugin-http|${plugin}|${route.account_sid}|${origin}`, target: `${plugin}/http` };
        const run = await breakers.run(identity, DEFAULT_BREAKER_SETTINGS, () => this.request<T>(plugin, request), (response) => response.statusCode >= 500);
        if (run.kind === 'open') throw new PluginHttpError('EOPENBREAKER', `plugin ${plugin}: the circuit to this origin is open`);
        return run.value;
      },
    };
  }

  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async request<T>(plugin: string, request: HttpRequest): Promise<HttpResponse<T>> {
    const call = currentPluginCall();
    const left = call?.deadline !== undefined ? call.deadline.remaining() : Number.POSITIVE_INFINITY;
    if (left <= 0) throw new PluginHttpError('ETIMEDOUT', `plugin ${plugin}: the hook's deadline has passed`);
    const signals = [call?.deadline?.signal, request.signal].filter((signal): signal is AbortSignal => signal !== undefined);
    try {
      const response = await this.client(request.url, {
        method: request.method ?? 'GET',
        timeout: { request: Math.max(1, Math.min(request.timeoutMs ?? this.defaultTimeoutMs, left)) },
        ...(request.headers && { headers: request.headers }),
        ...(request.searchParams && { searchParams: request.searchParams }),
        ...(request.json !== undefined && { json: request.json }),
        ...(signals.length > 0 && { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) }),
      });
      return { statusCode: response.statusCode, headers: response.headers, body: readBody(response.headers['content-type'], response.body) as T };
    } catch (error) {
      // got's messages can carry the URL (and so credentials in a query); the plugin gets the code only.
      const code = error instanceof RequestError ? error.code : error instanceof Error && error.name === 'AbortError' ? 'ERR_ABORTED' : 'ERR_REQUEST';
      throw new PluginHttpError(code, `plugin ${plugin}: HTTP request failed (${code})`);
    }
  }
}

function originOf(plugin: string, url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new PluginHttpError('ERR_INVALID_URL', `plugin ${plugin}: not an absolute URL`);
  }
}

function readBody(contentType: string | undefined, text: string): unknown {
  if (!contentType?.includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
