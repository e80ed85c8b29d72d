import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { writeMisbehavingPlugin } from './support/misbehaving-plugin.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

const DEADLINE_MS = 600;
/** The answer must come well before the platform would give up; generous for a loaded CI machine. */
const ANSWERED_WITHIN_MS = DEADLINE_MS + 900;
const TWO_MIB = 2 * 1024 * 1024;

/** What every failing case answers: the account's list prepended to the global one, `{{to}}` filled in. */
const MERGED_FALLBACK = [
  { verb: 'say', text: 'Account one apologises.' },
  { verb: 'say', text: 'Sorry, 15559870000 cannot take your call.' },
  { verb: 'hangup' },
];

/** Each path of the misbehaving upstream fails in one way; `reason` is what the gateway must report. */
const MATRIX: Array<{ name: string; path: string; reason: string }> = [
  { name: 'an upstream that never answers', path: '/hang', reason: 'timeout' },
  { name: 'an upstream that sends its headers too late', path: '/slow-headers', reason: 'timeout' },
  { name: 'an upstream that sends its body too slowly', path: '/slow-body', reason: 'timeout' },
  { name: 'an upstream that resets the connection mid-body', path: '/reset-mid-body', reason: 'connect_error' },
  { name: 'an upstream whose port refuses connections', path: 'refused', reason: 'connect_error' },
  { name: 'a 500', path: '/status-500', reason: 'bad_status' },
  { name: 'a 503', path: '/status-503', reason: 'bad_status' },
  { name: 'a 302 redirect (never followed)', path: '/redirect', reason: 'redirect' },
  { name: 'a 201', path: '/status-201', reason: 'bad_status' },
  { name: 'a text/html answer', path: '/html', reason: 'bad_content_type' },
  { name: 'invalid JSON', path: '/invalid-json', reason: 'invalid_json' },
  { name: 'a JSON object instead of an array', path: '/object', reason: 'invalid_response' },
  { name: 'an empty array', path: '/empty', reason: 'invalid_response' },
  { name: 'an unknown verb', path: '/unknown-verb', reason: 'invalid_verbs' },
  { name: 'a verb with an unknown property', path: '/unknown-property', reason: 'invalid_verbs' },
  { name: 'a 2 MiB body with a content-length', path: '/huge', reason: 'body_too_large' },
  { name: 'a 2 MiB body streamed without a length', path: '/huge-streamed', reason: 'body_too_large' },
];

describe('a misbehaving upstream or plugin never reaches the caller: the merged fallback is answered', () => {
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  let plugins: { directory: string; cleanup(): Promise<void> };
  let refusedUrl: string;
  /** Set when the gateway hung up on a streamed oversized body before it was fully sent. */
  let streamedBodyAbandoned = false;
  const authorization = basicAuth('tenant1', 'secret-1');

  before(async () => {
    upstream = await startUpstream(async (request, response) => {
      const json = (status: number, body: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(body);
      };
      switch (request.path) {
        case '/hang':
          return;
        case '/slow-headers':
          setTimeout(() => json(200, '[{"verb":"say","text":"late"}]'), 2000).unref();
          return;
        case '/slow-body':
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('[{"verb":"say",');
          setTimeout(() => response.end('"text":"late"}]'), 2000).unref();
          return;
        case '/reset-mid-body':
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          response.write('[{"verb":"say","te');
          setTimeout(() => response.socket?.destroy(), 20);
          return;
        case '/status-500':
          return json(500, '[{"verb":"say","text":"error page"}]');
        case '/status-503':
          return json(503, '[]');
        case '/redirect':
          response.writeHead(302, { location: `${upstream.url}/ok` });
          response.end();
          return;
        case '/status-201':
          return json(201, '[{"verb":"say","text":"created"}]');
        case '/html':
          response.writeHead(200, { 'content-type': 'text/html' });
          response.end('<html>[{"verb":"hangup"}]</html>');
          return;
        case '/invalid-json':
          return json(200, '[{"verb":"say",');
        case '/object':
          return json(200, '{"verb":"say","text":"hello"}');
        case '/empty':
          return json(200, '[]');
        case '/unknown-verb':
          return json(200, '[{"verb":"shout","text":"hello"}]');
        case '/unknown-property':
          return json(200, '[{"verb":"say","txt":"hello"}]');
        case '/huge':
          return json(200, JSON.stringify([{ verb: 'say', text: 'x'.repeat(TWO_MIB) }]));
        case '/huge-streamed': {
          response.writeHead(200, { 'content-type': 'application/json' });
          const chunk = 'x'.repeat(64 * 1024);
          let sent = 0;
          response.on('close', () => {
            if (sent < TWO_MIB) streamedBodyAbandoned = true;
          });
          response.write('[{"verb":"say","text":"');
          const timer = setInterval(() => {
            if (response.destroyed) {
              clearInterval(timer);
              return;
            }
            if (sent >= TWO_MIB) {
              clearInterval(timer);
              response.end('"}]');
              return;
            }
            response.write(chunk);
            sent += chunk.length;
          }, 2);
          return;
        }
        default:
          return json(200, '[{"verb":"say","text":"ok"}]');
      }
    });
    refusedUrl = await closedPortUrl();
    plugins = await writeMisbehavingPlugin();

    const upstreams: Record<string, object> = {};
    const applications: Record<string, object> = {};
    for (const [index, entry] of MATRIX.entries()) {
      upstreams[`u${index}`] = { url: entry.path === 'refused' ? refusedUrl : `${upstream.url}${entry.path}`, timeoutMs: 5000 };
      applications[`AP-${index}`] = { target: { upstream: `u${index}` } };
    }
    for (const mode of ['throw', 'reject', 'hang', 'invalid', 'object']) {
      applications[`AP-plugin-${mode}`] = { target: { plugin: 'misbehaving', options: { mode } } };
    }
    applications['AP-own-fallback'] = {
      target: { upstream: 'u0' },
      fallback: { merge: 'replace', initial: [{ verb: 'sip:decline', status: 480, reason: 'Closed' }] },
    };
    gateway = await startTestGateway({
      plugins: { directories: [plugins.directory] },
      upstreams,
      defaults: {
        deadlineMs: DEADLINE_MS,
        fallback: {
          initial: [{ verb: 'say', text: 'Sorry, {{to}} cannot take your call.' }, { verb: 'hangup' }],
          midCall: [{ verb: 'hangup' }],
        },
      },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          fallback: { merge: 'prepend', initial: [{ verb: 'say', text: 'Account one apologises.' }] },
          applications,
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
    await plugins?.cleanup();
  });

  const hook = (applicationSid: string, callSid: string) =>
    `${gateway.url}/webhooks/call?${callHookQuery({ application_sid: applicationSid, account_sid: 'AC-1', call_sid: callSid })}`;

  for (const [index, entry] of MATRIX.entries()) {
    it(`${entry.name}: 200 with the merged fallback, reason=${entry.reason}, logged with the call_sid`, async () => {
      const callSid = `CA-matrix-${index}`;
      const started = Date.now();
      const response = await sendHook(hook(`AP-${index}`, callSid), { authorization });
      expect(Date.now() - started).to.be.below(ANSWERED_WITHIN_MS);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      expect(response.body).to.deep.equal(MERGED_FALLBACK);
      expect(response.headers.get('x-gateway-outcome')).to.equal(`fallback; reason=${entry.reason}`);
      const logged = gateway.logs.find((line) => line.call_sid === callSid && line.outcome === 'fallback');
      expect(logged, 'fallback log line').to.include({ reason: entry.reason, application_sid: `AP-${index}` });
    });
  }

  it('abandons an oversized streamed body while reading it, not after', async () => {
    // The /huge-streamed case above ran first; its server saw the connection close before 2 MiB were sent.
    expect(streamedBodyAbandoned).to.equal(true);
  });

  for (const [mode, reason] of [
    ['throw', 'plugin_error'],
    ['reject', 'plugin_error'],
    ['hang', 'timeout'],
    ['invalid', 'invalid_verbs'],
    ['object', 'invalid_response'],
  ] as const) {
    it(`a plugin that ${mode === 'invalid' ? 'returns an unknown verb' : mode === 'object' ? 'returns an object' : `${mode}s`} gets the fallback with reason=${reason}`, async () => {
      const started = Date.now();
      const response = await sendHook(hook(`AP-plugin-${mode}`, `CA-plugin-${mode}`), { authorization });
      expect(Date.now() - started).to.be.below(ANSWERED_WITHIN_MS);
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal(MERGED_FALLBACK);
      expect(response.headers.get('x-gateway-outcome')).to.equal(`fallback; reason=${reason}`);
    });
  }

  it("an application's replace list wins over its parents' lists", async () => {
    const response = await sendHook(hook('AP-own-fallback', 'CA-own'), { authorization });
    expect(response.body).to.deep.equal([{ verb: 'sip:decline', status: 480, reason: 'Closed' }]);
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=timeout');
  });

  it('never leaks secrets or the upstream URL into fallback logs', () => {
    // The matrix above has run: without its fallback lines this test would prove nothing.
    expect(gateway.logs.filter((line) => line.outcome === 'fallback')).to.not.be.empty;
    expect(gateway.rawLogs()).not.to.include('secret-1');
    expect(gateway.rawLogs()).not.to.include(upstream.url);
  });
});

async function closedPortUrl(): Promise<string> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/call-hook`;
}
