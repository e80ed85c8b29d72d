import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { parseBasicAuth, type AuthFailureReason } from './basic-auth.js';
import type { CompiledCredential, Principal } from './credential.js';
import { hashPassword, parseScryptHash, verifyScrypt } from './password-hash.js';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailureReason; message: string };

export interface AuthenticatorOptions {
  /** How many verified headers to remember; 0 disables the cache. */
  cacheSize: number;
  cacheTtlMs: number;
}

/**
 * Turns an Authorization header into a Principal. scrypt is deliberately slow, so a verified header is
 * remembered, keyed by the SHA-256 of the header (never the header itself) for a bounded time.
 */
export class Authenticator {
  private readonly verified: LRUCache<string, Principal> | undefined;
  /**
   * Checks under way, by header digest: after a restart a tenant's calls arrive together with the same
   * header, and they share one scrypt run instead of queueing one each (seen: 16 at once under load).
   */
  private readonly checking = new Map<string, Promise<AuthResult>>();

  constructor(
    private readonly credentialsByUsername: ReadonlyMap<string, readonly CompiledCredential[]>,
    options: AuthenticatorOptions,
  ) {
    this.verified =
      options.cacheSize > 0 ? new LRUCache<string, Principal>({ max: options.cacheSize, ttl: options.cacheTtlMs }) : undefined;
  }

  async authenticate(header: string | undefined): Promise<AuthResult> {
    const parsed = parseBasicAuth(header);
    if (!parsed.ok) return parsed;
    // One-shot hashing: a third of createHash's cost, on every hook.
    const cacheKey = hash('sha256', header!, 'base64');
    const cached = this.verified?.get(cacheKey);
    if (cached) return { ok: true, principal: cached };
    const underWay = this.checking.get(cacheKey);
    if (underWay) return underWay;
    const check = this.verify(parsed.username, parsed.password, cacheKey);
    this.checking.set(cacheKey, check);
    try {
      return await check;
    } finally {
      this.checking.delete(cacheKey);
    }
  }

  private async verify(username: string, password: string, cacheKey: string): Promise<AuthResult> {
    const candidates = this.credentialsByUsername.get(username);
    if (!candidates) {
      // Spend the same work as a real check, so timing does not tell which user names exist.
      await burnEquivalentWork(password);
      return { ok: false, reason: 'invalid', message: 'invalid credentials' };
    }
    for (const credential of candidates) {
      if (await credential.verify(password)) {
        this.verified?.set(cacheKey, credential.principal);
        return { ok: true, principal: credential.principal };
      }
    }
    return { ok: false, reason: 'invalid', message: 'invalid credentials' };
  }
}

let decoyHash: Promise<ReturnType<typeof parseScryptHash>> | undefined;
async function burnEquivalentWork(password: string): Promise<void> {
  decoyHash ??= hashPassword('decoy password').then(parseScryptHash);
  await verifyScrypt(password, await decoyHash);
}
