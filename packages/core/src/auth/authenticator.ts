import { LRUCache } from 'lru-cache';
import { parseBasicAuth, type AuthFailureReason } from './basic-auth.js';
import { sha256, type CompiledCredential, type Principal } from './credential.js';
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
    const cacheKey = sha256(header!).toString('base64');
    const cached = this.verified?.get(cacheKey);
    if (cached) return { ok: true, principal: cached };

    const candidates = this.credentialsByUsername.get(parsed.username);
    if (!candidates) {
      // Spend the same work as a real check, so timing does not tell which user names exist.
      await burnEquivalentWork(parsed.password);
      return { ok: false, reason: 'invalid', message: 'invalid credentials' };
    }
    for (const credential of candidates) {
      if (await credential.verify(parsed.password)) {
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
