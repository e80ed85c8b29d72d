/** Why a request was not authenticated; also the `reason` label of the auth-failure metric. */
export type AuthFailureReason = 'missing' | 'malformed' | 'invalid';

export type ParsedBasicAuth =
  | { ok: true; username: string; password: string }
  | { ok: false; reason: Exclude<AuthFailureReason, 'invalid'>; message: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses an `Authorization: Basic …` header strictly (RFC 7617): bad base64, no colon or an empty user are refused. */
export function parseBasicAuth(header: string | undefined): ParsedBasicAuth {
  if (header === undefined || header === '') return { ok: false, reason: 'missing', message: 'missing Authorization header' };
  const match = /^Basic +(\S+) *$/i.exec(header);
  if (!match) return { ok: false, reason: 'malformed', message: 'Authorization header is not Basic credentials' };
  const encoded = match[1]!;
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
    return { ok: false, reason: 'malformed', message: 'Basic credentials are not valid base64' };
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { ok: false, reason: 'malformed', message: 'Basic credentials have no colon between user and password' };
  if (colon === 0) return { ok: false, reason: 'malformed', message: 'Basic credentials have an empty user name' };
  return { ok: true, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
