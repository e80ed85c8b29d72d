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
  const fields = new FieldReader(merged, problems);

  const call_sid = fields.text('call_sid', true);
  const account_sid = fields.text('account_sid', true);
  const application_sid = fields.text('application_sid', true);
  const direction = fields.oneOf('direction', DIRECTIONS) as CallHook['direction'];
  const call_status = fields.oneOf('call_status', STATUSES) as CallHook['call_status'];
  const sip_status = fields.reported('sip_status') ? undefined : parseSipStatus(merged.sip_status, problems);
  const from = fields.text('from', false);
  const to = fields.text('to', false);
  const caller_name = fields.text('caller_name', false);
  const parent_call_sid = fields.text('parent_call_sid', false);

  if (problems.length > 0) return { ok: false, problems };

  const extra: Record<string, unknown> = {};
  for (const key of Object.keys(merged)) if (!KNOWN_FIELDS.has(key)) extra[key] = merged[key];
  // Assigned one by one rather than spread from conditional objects: this runs on every call hook.
  const hook: CallHook = { call_sid: call_sid!, account_sid: account_sid!, application_sid: application_sid!, extra };
  if (direction !== undefined) hook.direction = direction;
  if (from !== undefined) hook.from = from;
  if (to !== undefined) hook.to = to;
  if (caller_name !== undefined) hook.caller_name = caller_name;
  if (call_status !== undefined) hook.call_status = call_status;
  if (sip_status !== undefined) {
    hook.sip_status = sip_status;
    merged.sip_status = sip_status; // forwarded as the number it is, whether it came as text or not
  }
  if (parent_call_sid !== undefined) hook.parent_call_sid = parent_call_sid;
  return { ok: true, value: { hook, payload: merged } };
}

/** Reads the typed fields of a merged hook, adding a problem for each one that is wrong. */
class FieldReader {
  /** Fields whose problem was found while merging (given twice, too long …): not reported again. */
  private readonly alreadyReported: ReadonlySet<string> | undefined;

  constructor(
    private readonly merged: Record<string, unknown>,
    private readonly problems: FieldProblem[],
  ) {
    if (problems.length > 0) this.alreadyReported = new Set(problems.map((problem) => problem.field));
  }

  reported(field: string): boolean {
    return this.alreadyReported?.has(field) ?? false;
  }

  text(field: string, required: boolean): string | undefined {
    if (this.reported(field)) return undefined;
    const value = this.merged[field];
    if (value === undefined || value === null) {
      if (required) this.problems.push({ field, problem: 'is required' });
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problems.push({ field, problem: 'must be a string' });
      return undefined;
    }
    if (required && value.trim() === '') {
      this.problems.push({ field, problem: 'must not be empty' });
      return undefined;
    }
    if (value.length > MAX_FIELD_LENGTH) {
      this.problems.push({ field, problem: `is longer than ${MAX_FIELD_LENGTH} characters` });
      return undefined;
    }
    return value;
  }

  oneOf(field: string, allowed: ReadonlySet<string>): string | undefined {
    const value = this.text(field, false);
    if (value === undefined) return undefined;
    if (!allowed.has(value)) {
      this.problems.push({ field, problem: `must be one of ${[...allowed].join(', ')}` });
      return undefined;
    }
    return value;
  }
}

function mergeQueryAndBody(query: QueryParameters, body: unknown, problems: FieldProblem[]): Record<string, unknown> {
  let merged: Record<string, unknown> = {};
  let hasBody = false;
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) {
      problems.push({ field: '(body)', problem: 'must be a JSON object' });
    } else {
      merged = { ...(body as Record<string, unknown>) };
      hasBody = true;
    }
  }
  for (const field of Object.keys(query)) {
    const value = query[field];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      problems.push({ field, problem: 'is given more than once' });
      continue;
    }
    const limit = KNOWN_FIELDS.has(field) ? MAX_FIELD_LENGTH : MAX_EXTRA_QUERY_LENGTH;
    if (value.length > limit) {
      problems.push({ field, problem: `is longer than ${limit} characters` });
      continue;
    }
    if (field === '__proto__') {
      // The JSON body parser refuses this key too; as a plain property it would rewrite the payload's prototype.
      problems.push({ field, problem: 'is not an allowed parameter name' });
      continue;
    }
    // Own keys only: a parameter named `constructor` or `toString` is an ordinary extra field.
    const inBody = hasBody && Object.hasOwn(merged, field);
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
