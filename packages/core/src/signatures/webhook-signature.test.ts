import { expect } from 'chai';
import { signatureHeaderValue, verifySignature, type SignaturePolicy } from './webhook-signature.js';

describe('webhook signature verification', () => {
  const policy: SignaturePolicy = { header: 'jambonz-signature', secrets: ['new-secret', 'old-secret'], toleranceSeconds: 300, acceptUnsignedGet: false };
  const body = '{"call_sid":"CA-1","digits":"1"}';
  const now = 1_800_000_000;

  it('accepts any listed secret, and a header with several v1 values', () => {
    expect(verifySignature(policy, { method: 'POST', header: signatureHeaderValue('old-secret', body, now), rawBody: body, nowSeconds: now })).to.deep.equal({ ok: true });
    const two = `${signatureHeaderValue('other', body, now)},v1=${signatureHeaderValue('new-secret', body, now).split('v1=')[1]}`;
    expect(verifySignature(policy, { method: 'POST', header: two, rawBody: body, nowSeconds: now }).ok).to.equal(true);
  });

  it('refuses timestamps outside the tolerance in either direction', () => {
    for (const t of [now - 301, now + 301]) {
      const check = verifySignature(policy, { method: 'POST', header: signatureHeaderValue('new-secret', body, t), rawBody: body, nowSeconds: now });
      expect(check).to.deep.include({ ok: false, failure: 'expired' });
    }
  });

  it('refuses malformed headers without echoing them', () => {
    const check = verifySignature(policy, { method: 'POST', header: 't=abc,v1=zz', rawBody: body, nowSeconds: now });
    expect(check).to.deep.include({ ok: false, failure: 'malformed' });
    expect(JSON.stringify(check)).to.not.include('zz');
  });
});
