import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { startUpstream } from './support/upstream-server.js';

async function tenantConfig(extra: object = {}, upstreamUrl?: string) {
  return {
    ...extra,
    ...(upstreamUrl && { upstreams: { backend: { url: upstreamUrl } } }),
    accounts: {
      'AC-1': {
        credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
        applications: {
          'AP-1': { target: upstreamUrl ? { upstream: 'backend' } : { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } } },
        },
      },
    },
  };
}

describe('health endpoints and the admin listener', () => {
  describe('without an admin listener', () => {
    let gateway: TestGateway;
    before(async () => {
      gateway = await startTestGateway(await tenantConfig({ metrics: { defaultMetrics: true } }));
    });
    after(() => gateway.stop());

    it('/healthz says the process is alive and /readyz that it is ready', async () => {
      const alive = await fetch(`${gateway.url}/healthz`);
      expect(alive.status).to.equal(200);
      expect(await alive.json()).to.deep.equal({ status: 'alive' });
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({ status: 'ready' });
    });

    it('/metrics serves the Prometheus text format with the process metrics on the hook port', async () => {
      const response = await fetch(`${gateway.url}/metrics`);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain/);
      const text = await response.text();
      expect(text).to.match(/^# TYPE graine_hooks_total counter$/m);
      expect(text).to.match(/^# TYPE process_cpu_seconds_total counter$/m);
    });
  });

  describe('with server.admin', () => {
    let gateway: TestGateway;
    let release: () => void = () => {};
    const upstreamRelease = new Promise<void>((resolve) => {
      release = resolve;
    });
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    before(async () => {
      upstream = await startUpstream(async (_request, response) => {
        await upstreamRelease;
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify([{ verb: 'hangup' }]));
      });
      gateway = await startTestGateway(await tenantConfig({ server: { admin: { host: '127.0.0.1', port: 0 } } }, `${upstream.url}/hook`));
    });
    after(async () => {
      release();
      await gateway.stop();
      await upstream.close();
    });

    it('serves /metrics on the admin port only, and health on both', async () => {
      expect(gateway.adminUrl).to.be.a('string').and.not.equal(gateway.url);
      expect((await fetch(`${gateway.adminUrl}/metrics`)).status).to.equal(200);
      expect((await fetch(`${gateway.url}/metrics`)).status).to.equal(404);
      expect((await fetch(`${gateway.adminUrl}/healthz`)).status).to.equal(200);
      expect((await fetch(`${gateway.url}/readyz`)).status).to.equal(200);
    });

    it('/readyz answers 503 while the gateway drains on shutdown, while /healthz stays 200', async () => {
      const inFlight = sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'AC-1', application_sid: 'AP-1' })}`, {
        authorization: basicAuth('tenant1', 'secret-1'),
      });
      while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const stopped = gateway.stop();
      const ready = await fetch(`${gateway.adminUrl}/readyz`);
      expect(ready.status).to.equal(503);
      expect(await ready.json()).to.deep.equal({ status: 'draining' });
      expect((await fetch(`${gateway.adminUrl}/healthz`)).status).to.equal(200);
      release();
      expect((await inFlight).status).to.equal(200);
      await stopped;
    });
  });
});
