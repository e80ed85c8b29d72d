import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_SIGNATURE_HEADER = 'Jambonz-Signature';
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The platform's webhook signature (protocol §3): `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * over the exact body bytes it sends.
 */
export function signatureHeaderValue(secret: string, body: string | Buffer, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSeconds},v1=${signatureDigest(secret, timestampSeconds, body).toString('hex')}`;
}

function signatureDigest(secret: string, timestampSeconds: number | string, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`, 'utf8').update(body).digest();
}

/** Why a signature was refused; also the `reason` a log line carries. Never holds the signature itself. */
export type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'mismatch' | 'unsigned_get';

export type SignatureCheck = { ok: true } | { ok: false; failure: SignatureFailure; message: string };

export interface SignaturePolicy {
  /** Lower-case header name. */
  header: string;
  /** Every secret currently accepted, newest first: rotation lists the new and the old one for a while. */
  secrets: readonly string[];
  toleranceSeconds: number;
  /** A GET carries no body, so the platform's signature cannot be checked (protocol §0.2). */
  acceptUnsignedGet: boolean;
}

export interface SignedRequest {
  method: string;
  header: string | undefined;
  /** The body bytes exactly as received; undefined or '' when there was none. */
  rawBody: string | undefined;
  nowSeconds?: number;
}

/**
 * Checks an inbound hook against an account's policy: any `v1` in the header may match any configured
 * secret (rotation), compared in constant time; a timestamp further than the tolerance from now, in
 * either direction, is refused.
 */
export function verifySignature(policy: SignaturePolicy, request: SignedRequest): SignatureCheck {
  const hasBody = request.rawBody !== undefined && request.rawBody !== '';
  if (request.method === 'GET' && !hasBody) {
    return policy.acceptUnsignedGet
      ? { ok: true }
      : { ok: false, failure: 'unsigned_get', message: 'this account does not accept GET hooks, which cannot carry a verifiable signature' };
  }
  if (!request.header) return { ok: false, failure: 'missing', message: `missing ${policy.header} header` };
  const parsed = parseSignatureHeader(request.header);
  if (!parsed) return { ok: false, failure: 'malformed', message: `malformed ${policy.header} header` };
  const now = request.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - parsed.timestamp) > policy.toleranceSeconds) {
    return { ok: false, failure: 'expired', message: `signature timestamp is more than ${policy.toleranceSeconds} s away from now` };
  }
  const body = request.rawBody ?? '';
  for (const secret of policy.secrets) {
    const expected = signatureDigest(secret, parsed.timestampText, body);
    for (const candidate of parsed.signatures) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return { ok: true };
    }
  }
  return { ok: false, failure: 'mismatch', message: 'signature does not match' };
}

interface ParsedSignature {
  timestamp: number;
  timestampText: string;
  signatures: Buffer[];
}

/** `t=…,v1=…[,v1=…]`; other schemes (v0 …) are ignored, as the platform's SDKs do. */
function parseSignatureHeader(header: string): ParsedSignature | undefined {
  let timestampText: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const equals = part.indexOf('=');
    if (equals < 0) continue;
    const key = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (key === 't') timestampText = value;
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestampText === undefined || !/^\d{1,12}$/.test(timestampText) || signatures.length === 0) return undefined;
  return { timestamp: Number(timestampText), timestampText, signatures };
}

/** Signs what the gateway forwards to an upstream, in the platform's format, with the tenant's newest secret. */
export interface RequestSigning {
  header: string;
  secret: string;
}
