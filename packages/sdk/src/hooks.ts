/**
 * What the platform sends. Field names follow the wire (snake_case) so that a plugin author can
 * read the protocol reference and the types side by side (protocol §2).
 */

export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** `queued` is not in the seed's list but the platform sends it for REST-originated calls (protocol §2.3). */
export const CALL_STATUSES = [
  'trying',
  'ringing',
  'early-media',
  'in-progress',
  'completed',
  'failed',
  'busy',
  'no-answer',
  'queued',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The fields the gateway understands. Everything else the platform sends is kept in `extra`. */
export interface CallInfo {
  call_sid: string;
  account_sid: string;
  application_sid: string;
  direction?: CallDirection;
  from?: string;
  to?: string;
  caller_name?: string;
  call_status?: CallStatus;
  sip_status?: number;
  parent_call_sid?: string;
}

/** The initial call hook (`session:new`): the call is not answered yet. */
export interface CallHook extends CallInfo {
  /** Fields the gateway does not interpret (`sip`, `defaults`, `env_vars`, …), passed on untouched. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A follow-up hook named by a verb of an earlier answer (gather digits, dial outcome, …). */
export interface ActionHook {
  /** The hook's name as the plugin wrote it, without the leading slash: `"/menu"` arrives as `"menu"`. */
  name: string;
  /** The whole payload the platform posted (call info plus the verb's results). */
  payload: Readonly<Record<string, unknown>>;
  call_sid?: string;
}

/** A call-status event (`call:status`), for both legs of a call. */
export interface StatusEvent {
  payload: Readonly<Record<string, unknown>>;
  call_sid?: string;
  call_status?: string;
}
