import { CALL_DIRECTIONS, CALL_STATUSES, type CallHook } from '@graine/sdk';
import type { FieldProblem, Parsed } from './problems.js';

/** Longest value accepted for the fields the gateway reads; SIP user parts and sids are far shorter. */
export const MAX_FIELD_LENGTH = 256;
/** Longest value accepted for any other query parameter. */
export const MAX_EXTRA_QUERY_LENGTH = 2048;

const ID_FIELDS = ['call_sid', 'account_sid', 'application_sid'] as const;
const TEXT_FIELDS = ['from', 'to', 'caller_name', 'parent_call_sid'] as const;
const KNOWN_FIELDS = new Set<string>([...ID_FIELDS, ...TEXT_FIELDS, 'direction', 'call_status', 'sip_status']);
const DIRECTIONS = new Set<string>(CALL_DIRECTIONS);
const STATUSES = new Set<string>(CALL_STATUSES);

export type QueryParameters = Record<string, string | string[] | undefined>;

export interface ParsedCallHook {
  hook: CallHook;
  /** What the platform sent, query and body merged, to forward to an upstream as it came. */
  payload: Record<string, unknown>;
}

/**
 * Reads a call hook from wherever the platform put it: the query string (the documented GET), a JSON
 * body (POST, the platform's default), or both (a GET that carries a body) — protocol §0.1 and §7.1.
 */
export function parseCallHook(query: QueryParameters, body: unknown): Parsed<ParsedCallHook> {
  const problems: FieldProblem[] = [];
  const merged = mergeQueryAndBody(query, body, problems);
  // A body of the wrong shape says nothing about the fields: report it alone.
  if (problems.some((problem) => problem.field === '(body)')) return { ok: false, problems };
  const alreadyReported = new Set(problems.map((problem) => problem.field));

  const text = (field: string, required: boolean): string | undefined => {
    if (alreadyReported.has(field)) return undefined;
    const value = merged[field];
    if (value === undefined || value === null) {
      if (required) problems.push({ field, problem: 'is required' });
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.push({ field, problem: 'must be a string' });
      return undefined;
    }
    if (required && value.trim() === '') {
      problems.push({ field, problem: 'must not be empty' });
      return undefined;
    }
    if (value.length > MAX_FIELD_LENGTH) {
      problems.push({ field, problem: `is longer than ${MAX_FIELD_LENGTH} characters` });
      return undefined;
    }
    return value;
  };

  const oneOf = <T extends string>(field: string, allowed: ReadonlySet<string>): T | undefined => {
    const value = text(field, false);
    if (value === undefined) return undefined;
    if (!allowed.has(value)) {
      problems.push({ field, problem: `must be one of ${[...allowed].join(', ')}` });
      return undefined;
    }
    return value as T;
  };

  const call_sid = text('call_sid', true);
  const account_sid = text('account_sid', true);
  const application_sid = text('application_sid', true);
  const direction = oneOf<CallHook['direction'] & string>('direction', DIRECTIONS);
  const call_status = oneOf<CallHook['call_status'] & string>('call_status', STATUSES);
  const sip_status = alreadyReported.has('sip_status') ? undefined : parseSipStatus(merged.sip_status, problems);
  const from = text('from', false);
  const to = text('to', false);
  const caller_name = text('caller_name', false);
  const parent_call_sid = text('parent_call_sid', false);

  if (problems.length > 0) return { ok: false, problems };

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged)) if (!KNOWN_FIELDS.has(key)) extra[key] = value;
  const hook: CallHook = {
    call_sid: call_sid!,
    account_sid: account_sid!,
    application_sid: application_sid!,
    ...(direction !== undefined && { direction }),
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    ...(caller_name !== undefined && { caller_name }),
    ...(call_status !== undefined && { call_status }),
    ...(sip_status !== undefined && { sip_status }),
    ...(parent_call_sid !== undefined && { parent_call_sid }),
    extra,
  };
  if (sip_status !== undefined) merged.sip_status = sip_status;
  return { ok: true, value: { hook, payload: merged } };
}

function mergeQueryAndBody(query: QueryParameters, body: unknown, problems: FieldProblem[]): Record<string, unknown> {
  let merged: Record<string, unknown> = {};
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) {
      problems.push({ field: '(body)', problem: 'must be a JSON object' });
    } else {
      merged = { ...(body as Record<string, unknown>) };
    }
  }
  for (const [field, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      problems.push({ field, problem: 'is given more than once' });
      continue;
    }
    if (value.length > (KNOWN_FIELDS.has(field) ? MAX_FIELD_LENGTH : MAX_EXTRA_QUERY_LENGTH)) {
      problems.push({ field, problem: `is longer than ${KNOWN_FIELDS.has(field) ? MAX_FIELD_LENGTH : MAX_EXTRA_QUERY_LENGTH} characters` });
      continue;
    }
    if (field === '__proto__') {
      // The JSON body parser refuses this key too; as a plain property it would rewrite the payload's prototype.
      problems.push({ field, problem: 'is not an allowed parameter name' });
      continue;
    }
    // Own keys only: a parameter named `constructor` or `toString` is an ordinary extra field.
    const inBody = Object.hasOwn(merged, field);
    if (inBody && String(merged[field]) !== value) {
      problems.push({ field, problem: 'is given twice, in the query and in the body, with different values' });
      continue;
    }
    // A body value wins when both agree, so that a numeric sip_status keeps its type.
    if (!inBody) merged[field] = value;
  }
  return merged;
}

function parseSipStatus(value: unknown, problems: FieldProblem[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(number)) {
    problems.push({ field: 'sip_status', problem: 'must be an integer' });
    return undefined;
  }
  if (number < 100 || number > 699) {
    problems.push({ field: 'sip_status', problem: 'must be between 100 and 699' });
    return undefined;
  }
  return number;
}
