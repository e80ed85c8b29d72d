import { hashPassword } from '@graine/core';

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

const hashes = new Map<string, Promise<string>>();

/** scrypt is slow on purpose: each distinct test password is hashed once per test run. */
export function passwordHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}
