import { sendHook, type HookResponse } from './call-hook.js';

/**
 * Plays the platform's side of a call against the gateway: resolves a hook the way the platform does
 * (a relative hook against scheme://host:port of the call hook, its path dropped — protocol §2.1) and
 * sends it with the hook's method: POST with the JSON payload, GET with nothing (protocol §0.1).
 */
export async function followHook(
  gatewayUrl: string,
  hook: string | { url: string; method?: string },
  payload: Record<string, unknown>,
  init: { authorization?: string; headers?: Record<string, string> } = {},
): Promise<HookResponse> {
  const url = typeof hook === 'string' ? hook : hook.url;
  const method = typeof hook === 'string' ? 'POST' : (hook.method ?? 'POST');
  const absolute = url.startsWith('/') ? `${new URL(gatewayUrl).origin}${url}` : url;
  return sendHook(absolute, { method, ...init, ...(method === 'POST' && { body: payload }) });
}

/** Call info as the platform sends it with every follow-up hook (protocol §2.4). */
export function callInfo(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    call_sid: 'CA-whole-1',
    account_sid: 'AC-1',
    application_sid: 'AP-1',
    direction: 'inbound',
    from: '15551230000',
    to: '15559870000',
    call_status: 'in-progress',
    sip_status: 200,
    ...overrides,
  };
}

/** Waits until `condition` holds, polling every 10 ms, for at most `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
