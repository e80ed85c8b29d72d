import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { callHookQuery } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { rawRequest } from './support/raw-request.js';

/** A small seeded generator, so that a failing input can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261125;
const ITERATIONS = 300;
const AUTH = basicAuth('tenant1', 'secret-1');

describe('garbage input never gets a 5xx and never takes the gateway down', () => {
  let gateway: TestGateway;
  const random = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number) => Math.floor(random() * max);
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => int(256)));
  const printable = (length: number) => String.fromCharCode(...Array.from({ length }, () => 0x20 + int(0x5f)));

  before(async () => {
    gateway = await startTestGateway({
      server: { bodyLimitBytes: 4096 },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: { 'AP-1': { target: { plugin: 'static', options: { verbs: [{ verb: 'say', text: '{{caller_name}}' }] } } } },
        },
      },
    });
  });
  after(() => gateway.stop());

  function randomQuery(): string {
    const keys = ['call_sid', 'account_sid', 'application_sid', 'direction', 'call_status', 'sip_status', 'from', 'to', 'caller_name', printable(5)];
    const parts: string[] = [];
    if (random() < 0.5) parts.push(callHookQuery().toString());
    for (let i = int(6); i > 0; i--) {
      const value =
        random() < 0.5 ? encodeURIComponent(bytes(int(40)).toString('latin1')) : pick(['%', '%E0%A4%A', '%00', '%FF%FE', '&&&', '==', '[]', 'a[b]=c', '+', printable(int(30)).replace(/[#\s]/g, '')]);
      parts.push(`${encodeURIComponent(pick(keys))}${pick(['[]', '', '', '[0]'])}=${value}`);
    }
    return parts.join('&');
  }

  function randomBody(): string | Buffer | undefined {
    switch (int(7)) {
      case 0:
        return undefined;
      case 1:
        return bytes(int(600));
      case 2:
        return JSON.stringify({ ...Object.fromEntries(callHookQuery()), sip_status: pick([100, -1, 1e308, 'x', null, [], {}]), [printable(4)]: bytes(20).toString('latin1') });
      case 3:
        return pick(['{', '[', '{"a":', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"y":1}}}', '\u0000', '[[[[[[[[[[]]]]]]]]]]', 'null', '1e99999']);
      case 4:
        return JSON.stringify({ call_sid: { $ne: 1 }, account_sid: ['AC-1'], application_sid: 1, direction: {}, sip_status: '100' });
      case 5:
        return 'x'.repeat(5000 + int(5000));
      default:
        return JSON.stringify(Object.fromEntries(Array.from({ length: int(50) }, () => [printable(8), printable(int(60))])));
    }
  }

  function randomHeaders(body: string | Buffer | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    switch (int(5)) {
      case 0:
        break;
      case 1:
        headers.authorization = AUTH;
        break;
      case 2:
        headers.authorization = `Basic ${bytes(int(40)).toString('base64')}`;
        break;
      case 3:
        headers.authorization = pick(['Basic', 'Basic ', 'Bearer abc', 'Basic ====', 'Basic Og==', 'Basic !!!!', printable(int(80))]);
        break;
      default:
        headers.authorization = AUTH;
    }
    if (body !== undefined || random() < 0.2) {
      headers['content-type'] = pick([
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=utf-99',
        'application/vnd.graine+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        printable(int(30)),
        '',
      ]);
    }
    if (random() < 0.15) headers['content-encoding'] = pick(['gzip', 'deflate', 'br', 'identity', 'x-garbage']);
    if (random() < 0.15) headers['x-request-id'] = printable(int(300));
    if (random() < 0.1) headers['accept'] = printable(int(40));
    if (random() < 0.1) headers['x-forwarded-for'] = printable(int(40));
    return headers;
  }

  it(`answers ${ITERATIONS} random requests (seed ${SEED}) without a 5xx or an unexpected error, then still serves hooks`, async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const body = randomBody();
      const headers = randomHeaders(body);
      const method = pick(['GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      const path = pick([
        '/webhooks/call',
        '/webhooks/call',
        '/webhooks/call',
        '/webhooks/call/',
        '/webhooks/status',
        `/t/${printable(20).replace(/[#?\s%/]/g, '')}/menu`,
        '/t/',
        '/webhooks/%',
        '/',
        `/${printable(10).replace(/[#?\s%]/g, '')}`,
      ]);
      const url = `${gateway.url}${path}?${randomQuery()}`;
      const label = `#${i} ${method} ${url.slice(0, 200)} ${JSON.stringify(headers).slice(0, 200)}`;
      const response = await rawRequest(url, { method, headers, ...(body !== undefined && { body }) }).catch((error: Error) => {
        throw new Error(`${label}: ${error.message}`);
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.status, label).to.be.within(200, 499);
    }
    // A gzip-encoded garbage body and a valid gzip body, on purpose.
    const gz = await rawRequest(`${gateway.url}/webhooks/call`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from('{"call_sid":')),
    });
    expect(gz.status).to.equal(400);

    const unexpected = gateway.logs.filter((line) => line.msg === 'unexpected error');
    expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).to.be.empty;
    const healthy = await rawRequest(`${gateway.url}/webhooks/call?${callHookQuery()}`, { headers: { authorization: AUTH } });
    expect(healthy.status).to.equal(200);
    expect(healthy.json).to.deep.equal([{ verb: 'say', text: 'Alice' }]);
    expect(statuses.size, 'the inputs reached several outcomes').to.be.greaterThan(2);
  });

  it('survives malformed HTTP on a raw socket and keeps serving', async () => {
    const { port } = gateway;
    const garbage = [
      'GET /webhooks/call HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /webhooks/call HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1}',
      'GARBAGE\r\n\r\n',
      `GET /webhooks/call?${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      'POST /webhooks/call HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnope\r\n',
      '\x00\x01\x02\x03\r\n\r\n',
    ];
    const answers: string[] = [];
    for (const payload of garbage) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(payload));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('error', () => resolve());
        socket.setTimeout(3000, () => socket.destroy());
        socket.on('close', () => {
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
          if (status) expect(Number(status), `${JSON.stringify(payload.slice(0, 60))} → ${answer.slice(0, 80)}`).to.be.below(500);
          answers.push(answer);
          resolve();
        });
      });
    }
    // What Node's parser refuses is still answered in the gateway's error format.
    for (const index of [2, 3]) {
      const answer = answers[index]!;
      expect(answer, JSON.stringify(garbage[index]!.slice(0, 40))).to.match(/^HTTP\/1\.1 400 /);
      expect(answer).to.match(/content-type: application\/json/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).to.have.nested.property('details[0].field', '(request)');
    }
    const healthy = await rawRequest(`${gateway.url}/webhooks/call?${callHookQuery()}`, { headers: { authorization: AUTH } });
    expect(healthy.status).to.equal(200);
  });
});
