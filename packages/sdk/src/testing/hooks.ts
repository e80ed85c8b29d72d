import type { ActionHook, CallHook, StatusEvent } from '../hooks.js';
import type { HookContext } from '../plugin.js';

/** The seed's call hook (an inbound call from Alice), with the fields a test overrides. */
export function makeCallHook(partial: Partial<CallHook> = {}): CallHook {
  return {
    call_sid: 'CA-test-0001',
    account_sid: 'AC-test',
    application_sid: 'AP-test',
    direction: 'inbound',
    from: '15551230000',
    to: '15559870000',
    caller_name: 'Alice',
    call_status: 'trying',
    sip_status: 100,
    extra: {},
    ...partial,
  };
}

/**
 * A follow-up hook as the gateway hands it to `actionHooks[name]`: `payload` holds the verb's results
 * (`digits`, `reason`, `verb_id`, …) on top of the call's fields.
 */
export function makeActionHook(name: string, payload: Record<string, unknown> = {}): ActionHook {
  const full = { call_sid: 'CA-test-0001', account_sid: 'AC-test', application_sid: 'AP-test', call_status: 'in-progress', ...payload };
  return { name: name.replace(/^\//, ''), payload: full, call_sid: String(full.call_sid) };
}

export function makeStatusEvent(payload: Record<string, unknown> = {}): StatusEvent {
  const full = { call_sid: 'CA-test-0001', call_status: 'completed', ...payload };
  return { payload: full, call_sid: String(full.call_sid), call_status: String(full.call_status) };
}

/** A context whose deadline is `timeoutMs` away; its signal aborts then. */
export function makeHookContext(timeoutMs = 8000, now: () => number = Date.now): HookContext {
  return { signal: AbortSignal.timeout(timeoutMs), deadline: now() + timeoutMs, requestId: 'test-request' };
}
