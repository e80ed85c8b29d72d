import { expect } from 'chai';
import { Authenticator } from './authenticator.js';
import type { CompiledCredential, Principal } from './credential.js';
import { sha256 } from './credential.js';

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A credential that counts how often its (normally scrypt) verification runs. */
function countingCredential(principal: Principal, password: string): CompiledCredential & { calls: number } {
  const credential = {
    principal,
    calls: 0,
    verify: async (given: string) => {
      credential.calls++;
      return given === password;
    },
  };
  return credential;
}

describe('Authenticator', () => {
  const principal = { accountSid: 'AC-1' };

  it('verifies a header once and answers repeats from the cache', async () => {
    const credential = countingCredential(principal, 'secret');
    const authenticator = new Authenticator(new Map([['tenant', [credential]]]), { cacheSize: 10, cacheTtlMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      const result = await authenticator.authenticate(basic('tenant', 'secret'));
      expect(result).to.deep.equal({ ok: true, principal });
    }
    expect(credential.calls).to.equal(1);
  });

  it('shares one verification among concurrent hooks with the same header', async () => {
    const credential = countingCredential(principal, 'secret');
    const authenticator = new Authenticator(new Map([['tenant', [credential]]]), { cacheSize: 10, cacheTtlMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 16 }, () => authenticator.authenticate(basic('tenant', 'secret'))));
    expect(results.every((result) => result.ok)).to.equal(true);
    expect(credential.calls).to.equal(1);
    const wrong = await Promise.all(Array.from({ length: 4 }, () => authenticator.authenticate(basic('tenant', 'wrong'))));
    expect(wrong.every((result) => !result.ok)).to.equal(true);
    expect(credential.calls).to.equal(2);
  });

  it('never caches a failed check, so a wrong password is verified (and refused) every time', async () => {
    const credential = countingCredential(principal, 'secret');
    const authenticator = new Authenticator(new Map([['tenant', [credential]]]), { cacheSize: 10, cacheTtlMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await authenticator.authenticate(basic('tenant', 'wrong'))).ok).to.equal(false);
    expect(credential.calls).to.equal(3);
  });

  it('keys the cache by a SHA-256 digest of the header, never the header or the password', async () => {
    const credential = countingCredential(principal, 'plaintext-password');
    const authenticator = new Authenticator(new Map([['tenant', [credential]]]), { cacheSize: 10, cacheTtlMs: 60_000 });
    const header = basic('tenant', 'plaintext-password');
    await authenticator.authenticate(header);
    const cache = (authenticator as unknown as { verified: { keys(): IterableIterator<string>; dump(): unknown } }).verified;
    const keys = [...cache.keys()];
    expect(keys).to.deep.equal([sha256(header).toString('base64')]);
    const stored = JSON.stringify(cache.dump());
    expect(stored).to.not.include('plaintext-password');
    expect(stored).to.not.include(header.slice('Basic '.length));
  });

  it('runs the verification every time when the cache is disabled', async () => {
    const credential = countingCredential(principal, 'secret');
    const authenticator = new Authenticator(new Map([['tenant', [credential]]]), { cacheSize: 0, cacheTtlMs: 60_000 });
    await authenticator.authenticate(basic('tenant', 'secret'));
    await authenticator.authenticate(basic('tenant', 'secret'));
    expect(credential.calls).to.equal(2);
  });

  it('tries every credential of a user name and returns the principal of the one that matches', async () => {
    const first = countingCredential({ accountSid: 'AC-1' }, 'one');
    const second = countingCredential({ accountSid: 'AC-1', applicationSid: 'AP-2' }, 'two');
    const authenticator = new Authenticator(new Map([['shared', [first, second]]]), { cacheSize: 10, cacheTtlMs: 60_000 });
    expect(await authenticator.authenticate(basic('shared', 'two'))).to.deep.equal({
      ok: true,
      principal: { accountSid: 'AC-1', applicationSid: 'AP-2' },
    });
  });

  it('refuses a missing or malformed header before looking at any credential', async () => {
    const credential = countingCredential(principal, 'secret');
    const authenticator = new Authenticator(new Map([['tenant', [credential]]]), { cacheSize: 10, cacheTtlMs: 60_000 });
    expect(await authenticator.authenticate(undefined)).to.include({ ok: false, reason: 'missing' });
    expect(await authenticator.authenticate('Bearer abc')).to.include({ ok: false, reason: 'malformed' });
    expect(await authenticator.authenticate('Basic @@@@')).to.include({ ok: false, reason: 'malformed' });
    expect(await authenticator.authenticate(`Basic ${Buffer.from('nocolon').toString('base64')}`)).to.include({ ok: false, reason: 'malformed' });
    expect(await authenticator.authenticate(`Basic ${Buffer.from(':secret').toString('base64')}`)).to.include({ ok: false, reason: 'malformed' });
    expect(credential.calls).to.equal(0);
  });
});
