import { createHash, timingSafeEqual } from 'node:crypto';
import { parseScryptHash, verifyScrypt } from './password-hash.js';

/** Who a verified credential speaks for: a whole account, or one application of it. */
export interface Principal {
  accountSid: string;
  applicationSid?: string;
}

/** A configured credential, compiled at load: the hash is parsed once, the plaintext never kept. */
export interface CompiledCredential {
  principal: Principal;
  verify(password: string): Promise<boolean>;
}

export function scryptCredential(principal: Principal, hash: string): CompiledCredential {
  parseScryptHash(hash); // a malformed hash stops the load here, with its path
  // Only the string is kept and parsed again per verification: verifications are rare (the credential
  // cache answers repeats) and cost milliseconds of scrypt anyway, while two Buffers and a parsed object
  // per credential were ~2 MB of live heap with 10,000 tenants.
  return { principal, verify: (password) => verifyScrypt(password, parseScryptHash(hash)) };
}

/**
 * A password given through `${ENV_VAR}`: only its SHA-256 digest is kept, and the presented password's
 * digest is compared in constant time (equal-length digests make timingSafeEqual safe to use).
 */
export function environmentCredential(principal: Principal, plaintext: string): CompiledCredential {
  const expected = sha256(plaintext);
  return { principal, verify: async (password) => timingSafeEqual(sha256(password), expected) };
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
