/** The seed's call hook query, with overrides. */
export function callHookQuery(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const fields: Record<string, string | undefined> = {
    call_sid: 'CA-test-0001',
    application_sid: 'AP-1',
    account_sid: 'AC-1',
    direction: 'inbound',
    from: '15551230000',
    to: '15559870000',
    caller_name: 'Alice',
    call_status: 'trying',
    sip_status: '100',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) query.set(key, value);
  return query;
}

export interface HookResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Sends a call hook to the gateway and reads the JSON answer. */
export async function sendHook(
  url: string,
  init: { method?: string; authorization?: string; body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<HookResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.authorization) headers.authorization = init.authorization;
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, ...(body !== undefined && { body }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave as text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
