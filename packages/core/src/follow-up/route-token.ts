import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How the gateway answers a follow-up hook: `action` hooks return verbs that the platform applies,
 * `notify` hooks are notifications whose answer the platform ignores, `status` hooks carry call-status
 * or conference events and are forwarded asynchronously (protocol §2.3, §2.4).
 */
export type FollowUpKind = 'action' | 'notify' | 'status';

/** What a route token names: the tenant route that wrote the hook, and where the hook pointed. */
export interface RouteTokenClaims {
  kind: FollowUpKind;
  accountSid: string;
  applicationSid: string;
  /** `upstream:<name>` or `plugin:<name>`: the target that wrote the hook. */
  target: string;
  /** Set when the hook was an absolute URL on another host that the tenant routes through the gateway. */
  origin?: string;
}

const KIND_CODES: Record<FollowUpKind, string> = { action: 'a', notify: 'n', status: 's' };
const KINDS_BY_CODE = new Map(Object.entries(KIND_CODES).map(([kind, code]) => [code, kind as FollowUpKind]));
const MAC_BYTES = 16;
const MAC_CONTEXT = 'graine-route-token-v1.';
/** A token longer than this is not one the gateway wrote (sids are ≤ 128 characters each). */
const MAX_TOKEN_LENGTH = 2048;
/** Enough for every route × hook kind of a large gateway; past it the memo starts over rather than grow. */
const MAX_REMEMBERED_TOKENS = 50_000;

/** Set by the primary of `start --workers N` for its workers, so that every worker accepts every worker's tokens. */
export const CLUSTER_SECRET_ENV = 'GRAINE_CLUSTER_ROUTE_TOKEN_SECRET';

/**
 * Used when the config names no `server.routeTokenSecret`: tokens then survive config reloads but not a
 * restart, and gateways behind one load balancer would not accept each other's tokens.
 */
const PROCESS_SECRET = process.env[CLUSTER_SECRET_ENV] ? Buffer.from(process.env[CLUSTER_SECRET_ENV], 'base64') : randomBytes(32);

/**
 * Route tokens are the first segment after `/t/` in every hook the gateway rewrites. They are
 * self-contained (the claims, base64url JSON) and authenticated by an HMAC with the gateway's secret, so
 * the gateway keeps no table of them, any number of gateways sharing the secret accept them, and nobody
 * without the secret can forge one that names another tenant.
 */
export class RouteTokens {
  private readonly secret: Buffer;
  /**
   * Tokens are deterministic (the same route and hook kind always get the same one), and every hook in
   * every answer needs one: an HMAC each time would be most of the rewrite's cost.
   */
  private readonly issued = new Map<string, string>();

  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : PROCESS_SECRET;
  }

  get usesProcessSecret(): boolean {
    return this.secret === PROCESS_SECRET;
  }

  issue(claims: RouteTokenClaims): string {
    const fields = [KIND_CODES[claims.kind], claims.accountSid, claims.applicationSid, claims.target];
    if (claims.origin) fields.push(claims.origin);
    const key = JSON.stringify(fields);
    let token = this.issued.get(key);
    if (token === undefined) {
      const payload = Buffer.from(key, 'utf8').toString('base64url');
      token = `${payload}.${this.mac(payload).toString('base64url')}`;
      if (this.issued.size >= MAX_REMEMBERED_TOKENS) this.issued.clear();
      this.issued.set(key, token);
    }
    return token;
  }

  /** The claims of a token this gateway issued, or undefined for anything else (forged, altered, garbage). */
  verify(token: string): RouteTokenClaims | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(payload))) return undefined;
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(fields) || fields.length < 4 || !fields.every((field) => typeof field === 'string')) return undefined;
    const [code, accountSid, applicationSid, target, origin] = fields as string[];
    const kind = KINDS_BY_CODE.get(code!);
    if (!kind) return undefined;
    return { kind, accountSid: accountSid!, applicationSid: applicationSid!, target: target!, ...(origin && { origin }) };
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(MAC_CONTEXT).update(payload).digest().subarray(0, MAC_BYTES);
  }
}

/** `/t/<token>/<original path and query>`, the gateway's namespace for rewritten hooks. */
export const FOLLOW_UP_PREFIX = '/t/';

export interface FollowUpPath {
  token: string;
  /** The hook's own path and query as the target wrote it, e.g. `/menu-choice?step=2`. */
  originalPath: string;
}

/** Splits a request URL under `/t/` into its token and the target's original path; undefined otherwise. */
export function splitFollowUpPath(url: string): FollowUpPath | undefined {
  if (!url.startsWith(FOLLOW_UP_PREFIX)) return undefined;
  const rest = url.slice(FOLLOW_UP_PREFIX.length);
  const slash = rest.search(/[/?]/);
  const token = slash < 0 ? rest : rest.slice(0, slash);
  if (token === '') return undefined;
  let originalPath = slash < 0 ? '/' : rest.slice(slash);
  if (originalPath.startsWith('?')) originalPath = `/${originalPath}`;
  return { token, originalPath };
}
