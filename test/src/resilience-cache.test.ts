import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { callInfo, followHook } from './support/platform.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { sleep } from './support/sleep.js';
import { startUpstream, type UpstreamServer } from './support/upstream-server.js';

const authorization = basicAuth('tenant1', 'secret-1');

/** The answer cache, opt-in per application, against a real upstream that counts what reaches it. */
describe('the answer cache', () => {
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  /** What each path answers; changed by the tests. */
  const behaviour = new Map<string, { status: number; delayMs?: number; cacheControl?: string }>();
  const requestsTo = (path: string) => upstream.requests.filter((request) => request.path === path).length;

  before(async () => {
    upstream = await startUpstream((request, response) => {
      const how = behaviour.get(request.path) ?? { status: 200 };
      const answer = () => {
        response.writeHead(how.status, { 'content-type': 'application/json', ...(how.cacheControl && { 'cache-control': how.cacheControl }) });
        response.end(JSON.stringify([{ verb: 'say', text: `answer ${requestsTo(request.path)} from ${request.path}` }]));
      };
      if (how.delayMs) setTimeout(answer, how.delayMs);
      else answer();
    });
    const application = (path: string, cache?: object) => ({ target: { upstream: path.slice(1) }, deadlineMs: 1500, ...(cache && { cache }) });
    const paths = ['/coalesced', '/per-call', '/by-number', '/stale', '/no-store', '/private', '/max-age', '/not-cached', '/warm-up'];
    gateway = await startTestGateway({
      upstreams: Object.fromEntries(paths.map((path) => [path.slice(1), { url: `${upstream.url}${path}` }])),
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-warm-up': application('/warm-up'),
            'AP-coalesced': application('/coalesced', { ttlMs: 60_000 }),
            'AP-per-call': application('/per-call', { ttlMs: 60_000, vary: ['call_sid'] }),
            'AP-by-number': application('/by-number', { ttlMs: 60_000, vary: ['to', 'sip_status'] }),
            'AP-stale': application('/stale', { ttlMs: 300, staleIfErrorMs: 700 }),
            'AP-no-store': application('/no-store', { ttlMs: 60_000 }),
            'AP-private': application('/private', { ttlMs: 60_000 }),
            'AP-max-age': application('/max-age', { ttlMs: 50 }),
            'AP-not-cached': application('/not-cached'),
          },
        },
      },
    });
    // The first use of a credential runs scrypt; later ones hit the credential cache.
    await hook('AP-warm-up', 'CA-warm-up');
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  function hook(applicationSid: string, callSid: string, overrides: Record<string, string> = {}) {
    return sendHook(
      `${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: applicationSid, call_sid: callSid, ...overrides })}`,
      { authorization },
    );
  }

  it('sends 50 concurrent identical hooks (50 different calls) to the upstream once, and answers each of them', async () => {
    behaviour.set('/coalesced', { status: 200, delayMs: 150 });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => hook('AP-coalesced', `CA-concurrent-${n}`)));
    expect(requestsTo('/coalesced')).to.equal(1);
    for (const answer of answers) expect(answer.body).to.deep.equal([{ verb: 'say', text: 'answer 1 from /coalesced' }]);
    const again = await hook('AP-coalesced', 'CA-later');
    expect(again.headers.get('x-gateway-outcome')).to.equal('cached');
    expect(requestsTo('/coalesced')).to.equal(1);
  });

  it('keeps call_sid out of the key unless the application lists it in vary', async () => {
    await hook('AP-per-call', 'CA-a');
    await hook('AP-per-call', 'CA-a');
    await hook('AP-per-call', 'CA-b');
    expect(requestsTo('/per-call')).to.equal(2);
  });

  it('keys by the hook fields the application lists in vary', async () => {
    await hook('AP-by-number', 'CA-a', { to: '15550000001' });
    await hook('AP-by-number', 'CA-b', { to: '15550000001' });
    await hook('AP-by-number', 'CA-c', { to: '15550000002' });
    await hook('AP-by-number', 'CA-d', { to: '15550000002', sip_status: '180' });
    expect(requestsTo('/by-number')).to.equal(3);
  });

  it('serves the last good answer after expiry while the upstream fails, and not after the stale window', async () => {
    behaviour.set('/stale', { status: 200 });
    const fresh = await hook('AP-stale', 'CA-1');
    expect(fresh.body).to.deep.equal([{ verb: 'say', text: 'answer 1 from /stale' }]);

    behaviour.set('/stale', { status: 500 });
    await sleep(400); // past the 300 ms TTL, inside the 700 ms stale window
    const stale = await hook('AP-stale', 'CA-2');
    expect(stale.status).to.equal(200);
    expect(stale.body).to.deep.equal(fresh.body);
    expect(stale.headers.get('x-gateway-outcome')).to.equal('stale; reason=bad_status');
    expect(requestsTo('/stale'), 'the upstream was asked first').to.equal(2);

    await sleep(700); // past TTL + stale window
    const expired = await hook('AP-stale', 'CA-3');
    expect(expired.headers.get('x-gateway-outcome')).to.equal('fallback; reason=bad_status');
  });

  it('does not store an answer marked no-store or private', async () => {
    behaviour.set('/no-store', { status: 200, cacheControl: 'no-store' });
    behaviour.set('/private', { status: 200, cacheControl: 'private, max-age=600' });
    for (const path of ['/no-store', '/private']) {
      await hook(`AP-${path.slice(1)}`, 'CA-1');
      const second = await hook(`AP-${path.slice(1)}`, 'CA-2');
      expect(second.headers.get('x-gateway-outcome')).to.equal(null);
      expect(requestsTo(path), path).to.equal(2);
    }
  });

  it("takes the upstream's max-age over the configured TTL", async () => {
    behaviour.set('/max-age', { status: 200, cacheControl: 'public, max-age=60' });
    await hook('AP-max-age', 'CA-1');
    await sleep(150); // the configured 50 ms TTL is over; the upstream's 60 s is not
    expect((await hook('AP-max-age', 'CA-2')).headers.get('x-gateway-outcome')).to.equal('cached');
    expect(requestsTo('/max-age')).to.equal(1);
  });

  it('never caches an application that did not opt in', async () => {
    await hook('AP-not-cached', 'CA-1');
    await hook('AP-not-cached', 'CA-1');
    expect(requestsTo('/not-cached')).to.equal(2);
  });

  it('reports hits, misses and stale answers, and the bytes held', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).to.match(/graine_cache_events_total\{event="hit"\} [1-9]/);
    expect(metrics).to.match(/graine_cache_events_total\{event="miss"\} [1-9]/);
    expect(metrics).to.match(/graine_cache_events_total\{event="stale"\} 1/);
    expect(metrics).to.match(/graine_cache_bytes [1-9]/);
  });
});

describe('the answer cache and follow-up hooks', () => {
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const requestsTo = (path: string) => upstream.requests.filter((request) => request.path === path).length;

  before(async () => {
    upstream = await startUpstream((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const verbs = request.path === '/choice'
        ? [{ verb: 'say', text: `choice ${requestsTo('/choice')}` }]
        : [{ verb: 'gather', input: ['digits'], numDigits: 1, actionHook: '/choice', say: { text: 'Press 1' } }];
      response.end(JSON.stringify(verbs));
    });
    const application = (cache: object) => ({ target: { upstream: 'menu' }, deadlineMs: 1500, cache });
    gateway = await startTestGateway({
      upstreams: { menu: { url: `${upstream.url}/menu` } },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-call-only': application({ ttlMs: 60_000 }),
            'AP-with-action': application({ ttlMs: 60_000, hooks: ['call', 'action'] }),
          },
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  /** The x-gateway-outcome of two identical follow-up hooks (`answered` when there is none). */
  async function choiceTwice(applicationSid: string): Promise<string[]> {
    const query = callHookQuery({ account_sid: 'AC-1', application_sid: applicationSid, call_sid: `CA-${applicationSid}` });
    const [gather] = (await sendHook(`${gateway.url}/webhooks/call?${query}`, { authorization })).body;
    const payload = callInfo({ call_sid: `CA-${applicationSid}`, application_sid: applicationSid, digits: '1' });
    const outcomes: string[] = [];
    for (let n = 0; n < 2; n++) {
      const answer = await followHook(gateway.url, gather.actionHook, payload, { authorization });
      expect(answer.status).to.equal(200);
      expect(answer.body[0]).to.include({ verb: 'say' });
      outcomes.push(answer.headers.get('x-gateway-outcome') ?? 'answered');
    }
    return outcomes;
  }

  it("serves a cached answer's hooks rewritten for the application that asked, and they come back to it", async () => {
    const gatherOf = async (applicationSid: string, callSid: string) => {
      const answer = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: applicationSid, call_sid: callSid })}`, { authorization });
      return { outcome: answer.headers.get('x-gateway-outcome') ?? 'answered', actionHook: (answer.body as Array<{ actionHook: string }>)[0]!.actionHook };
    };
    const first = await gatherOf('AP-call-only', 'CA-rewrite-1');
    const hit = await gatherOf('AP-call-only', 'CA-rewrite-2');
    const other = await gatherOf('AP-with-action', 'CA-rewrite-3');
    expect(hit.outcome).to.equal('cached');
    expect(hit.actionHook).to.match(/^\/t\/[^/]+\/choice$/);
    expect(hit.actionHook, 'the same route, the same token').to.equal(first.actionHook);
    expect(other.actionHook, "another application's answer names that application").to.not.equal(hit.actionHook);

    const before = requestsTo('/choice');
    const payload = callInfo({ call_sid: 'CA-rewrite-2', application_sid: 'AP-call-only', digits: '1' });
    const followed = await followHook(gateway.url, hit.actionHook, payload, { authorization });
    expect(followed.status).to.equal(200);
    expect(followed.body[0]).to.include({ verb: 'say' });
    expect(requestsTo('/choice') - before, 'the hook reached the upstream').to.equal(1);
  });

  it('never caches an action hook of an application that caches only its call hook', async () => {
    const before = requestsTo('/choice');
    expect(await choiceTwice('AP-call-only')).to.deep.equal(['answered', 'answered']);
    expect(requestsTo('/choice') - before).to.equal(2);
  });

  it('caches action hooks when the application lists them in cache.hooks, and says so in x-gateway-outcome', async () => {
    const before = requestsTo('/choice');
    expect(await choiceTwice('AP-with-action')).to.deep.equal(['answered', 'cached']);
    expect(requestsTo('/choice') - before).to.equal(1);
  });
});
