import type { QueryParameters } from '../hooks/parse-call-hook.js';
import type { StatusForwarder } from '../status/status-forwarder.js';
import type { CallAffinity } from './call-affinity.js';

/** A follow-up or status hook as the Koa route hands it over: nothing is interpreted yet. */
export interface InboundHookRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  authorization: string | undefined;
  header(name: string): string | undefined;
  query: QueryParameters;
  body: unknown;
  /** The body bytes exactly as received (koa-bodyparser's rawBody): forwarded and verified as they came. */
  rawBody: string | undefined;
  requestId: string;
}

/** What outlives a config generation: the call affinity map and the status queues. */
export interface WholeCallServices {
  affinity: CallAffinity;
  statusForwarder: StatusForwarder;
}

/** Query and body merged into one payload (body wins), for plugins and for routing by sids. */
export function hookPayload(query: QueryParameters, body: unknown): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) if (typeof value === 'string') payload[key] = value;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) Object.assign(payload, body);
  return payload;
}

export function stringField(payload: Record<string, unknown>, field: string): string | undefined {
  const value = payload[field];
  return typeof value === 'string' && value !== '' && value.length <= 256 ? value : undefined;
}

export function forwardedMethod(method: string): 'GET' | 'POST' {
  return method.toUpperCase() === 'GET' ? 'GET' : 'POST';
}
