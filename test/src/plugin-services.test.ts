import { expect } from 'chai';
import { createFakeClock } from '@graine/sdk/testing';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { pluginSource, writeTestPlugins, type TestPluginFolder } from './support/test-plugins.js';
import { answerVerbs, startUpstream, type UpstreamServer } from './support/upstream-server.js';

/** A plugin that uses every injected service and says what it saw. */
const probe = (name: string) =>
  pluginSource(name, '[{ verb: "say", text: `count=${count} now=${deps.clock.now().toISOString()} api=${api}` }]', {
    deps: "{ logger: ref('logger'), cache: ref('cache'), metrics: ref('metrics'), http: ref('httpClient'), clock: ref('clock') }",
    body: `
        deps.logger.info('probe answered', { direction: hook.direction });
        const count = (deps.cache.get('count') ?? 0) + 1;
        deps.cache.set('count', count);
        deps.metrics.increment('probes', { direction: hook.direction ?? 'unknown' });
        let api = 'none';
        if (options.api) {
          try {
            const response = await deps.http.request({ url: options.api, method: 'POST', json: { caller: hook.from } });
            api = response.statusCode + ':' + JSON.stringify(response.body);
          } catch (error) {
            api = error.name + ':' + error.code;
          }
        }`,
  });

describe('plugins receive services scoped to the plugin and the tenant', () => {
  let plugins: TestPluginFolder;
  let gateway: TestGateway;
  let api: UpstreamServer;
  let slowApi: UpstreamServer;
  let brokenApi: UpstreamServer;
  const clock = createFakeClock('2026-06-01T08:00:00Z');
  let slowRequestsAbandoned = 0;

  before(async () => {
    api = await startUpstream(answerVerbs({ vip: true }));
    brokenApi = await startUpstream(answerVerbs({ error: 'down' }, 503));
    slowApi = await startUpstream(async (_request, response) => {
      response.on('close', () => {
        if (!response.writableEnded) slowRequestsAbandoned += 1;
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (response.destroyed) return;
      answerVerbs({ vip: false })(_request, response);
    });
    plugins = await writeTestPlugins({ probe: { source: probe('probe') }, 'other-probe': { source: probe('other-probe') } });
    gateway = await startTestGateway(
      {
        plugins: { directories: [plugins.directory] },
        accounts: {
          'AC-1': {
            credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
            applications: {
              'AP-probe': { target: { plugin: 'probe' } },
              'AP-other': { target: { plugin: 'other-probe' } },
              'AP-api': { target: { plugin: 'probe', options: { api: `${api.url}/crm` } } },
              'AP-broken-api': { target: { plugin: 'probe', options: { api: `${brokenApi.url}/crm` } } },
              'AP-slow-api': { target: { plugin: 'probe', options: { api: `${slowApi.url}/crm` } }, deadlineMs: 250 },
            },
          },
          'AC-2': {
            credentials: [{ username: 'tenant2', password: await passwordHash('secret-2') }],
            applications: { 'AP-probe-2': { target: { plugin: 'probe' } } },
          },
        },
      },
      { pluginClock: clock },
    );
  });
  after(async () => {
    await gateway.stop();
    await plugins.cleanup();
    await api.close();
    await slowApi.close();
    await brokenApi.close();
  });

  const call = async (account: string, application: string, credentials: string) => {
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: account, application_sid: application })}`, {
      authorization: credentials,
    });
    expect(response.status).to.equal(200);
    return String(response.body[0].text);
  };
  const tenant1 = basicAuth('tenant1', 'secret-1');
  const tenant2 = basicAuth('tenant2', 'secret-2');

  it('a cache entry is seen by its own plugin and tenant only', async () => {
    expect(await call('AC-1', 'AP-probe', tenant1)).to.match(/^count=1 /);
    expect(await call('AC-1', 'AP-probe', tenant1)).to.match(/^count=2 /);
    expect(await call('AC-2', 'AP-probe-2', tenant2)).to.match(/^count=1 /);
    expect(await call('AC-1', 'AP-other', tenant1)).to.match(/^count=1 /);
  });

  it('the log lines of a plugin carry its name and tenant', async () => {
    await call('AC-2', 'AP-probe-2', tenant2);
    const line = gateway.logs.find((entry) => entry.msg === 'probe answered' && entry.account_sid === 'AC-2');
    expect(line).to.include({ plugin: 'probe', account_sid: 'AC-2', application_sid: 'AP-probe-2', direction: 'inbound' });
  });

  it("a plugin's own metrics are exported with its name as a label", async () => {
    await call('AC-1', 'AP-other', tenant1);
    const text = (await gateway.metrics.exposition()).text;
    expect(text).to.match(/graine_plugin_probes_total\{plugin="other-probe",direction="inbound"\} [1-9]/);
  });

  it('the clock a plugin receives is the one the gateway was given', async () => {
    clock.set('2026-07-14T10:00:00Z');
    expect(await call('AC-1', 'AP-probe', tenant1)).to.contain('now=2026-07-14T10:00:00.000Z');
  });

  it("the HTTP client reaches the tenant's API and reads its JSON answer", async () => {
    expect(await call('AC-1', 'AP-api', tenant1)).to.contain('api=200:{"vip":true}');
    expect(api.requests.at(-1)?.json()).to.deep.equal({ caller: '15551230000' });
  });

  it("a plugin's HTTP calls to a failing API go through a circuit breaker that opens and then spares the API", async () => {
    // Default breaker settings: 5 calls in the window, 50 % failed → open.
    for (let index = 0; index < 5; index++) expect(await call('AC-1', 'AP-broken-api', tenant1)).to.contain('api=503:');
    expect(await call('AC-1', 'AP-broken-api', tenant1)).to.contain('api=PluginHttpError:EOPENBREAKER');
    expect(brokenApi.requests).to.have.length(5);
  });

  it("a plugin's HTTP request is aborted at the hook's deadline instead of running on", async () => {
    // The API answers after 1 s; the route's deadline is 250 ms.
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: 'AP-slow-api' })}`, {
      authorization: tenant1,
    });
    expect(response.headers.get('x-gateway-outcome')).to.equal('fallback; reason=timeout');
    const until = Date.now() + 900;
    while (slowRequestsAbandoned === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(slowRequestsAbandoned).to.equal(1);
  });
});
