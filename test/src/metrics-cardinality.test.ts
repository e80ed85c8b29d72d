import { Agent, request } from 'node:http';
import { expect } from 'chai';
import nock from 'nock';
import { basicAuth } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { parseExposition } from './support/metrics.js';
import { answerVerbs, startUpstream, type UpstreamServer } from './support/upstream-server.js';

const TENANTS = 10_000;
const NAMED = 20;
const CONCURRENCY = 32;

/** GET over one keep-alive pool, so 10,000 hooks cost no connection set-up. */
function get(agent: Agent, url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics cardinality at 10,000 tenants', function () {
  this.timeout(120_000);
  // nock's interceptor (loaded by other test files) wraps every http request; 20,000 of them do not need it.
  const nockWasActive = nock.isActive();
  let gateway: TestGateway;
  let upstream: UpstreamServer;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  before(async () => {
    if (nockWasActive) nock.restore();
    upstream = await startUpstream(answerVerbs([{ verb: 'hangup' }]));
    const upstreams: Record<string, { url: string }> = {};
    const accounts: Record<string, unknown> = {};
    for (let i = 0; i < TENANTS; i++) {
      // Every tenant has its own upstream name: the target label needs the same cap as the account label.
      upstreams[`backend-${i}`] = { url: `${upstream.url}/tenant/${i}` };
      accounts[`AC-${i}`] = {
        credentials: [{ username: `user-${i}`, password: '${TENANT_PASSWORD}' }],
        applications: { [`AP-${i}`]: { target: { upstream: `backend-${i}` } } },
      };
    }
    gateway = await startTestGateway(
      { metrics: { targetLabels: NAMED, accountLabels: NAMED, rebalanceIntervalMs: 0, defaultMetrics: false }, upstreams, accounts },
      { env: { TENANT_PASSWORD: 'shared-test-password' } },
    );
  });
  after(async () => {
    agent.destroy();
    await gateway.stop();
    await upstream.close();
    if (nockWasActive) nock.activate();
  });

  it('keeps the series count bounded when every one of 10,000 tenants sends hooks', async () => {
    let next = 0;
    const statuses = new Map<number, number>();
    const worker = async () => {
      while (next < TENANTS) {
        const i = next++;
        const query = `call_sid=CA-${i}&account_sid=AC-${i}&application_sid=AP-${i}&direction=inbound&from=1555${i}&to=1666${i}&caller_name=Caller+${i}&call_status=trying&sip_status=100`;
        const status = await get(agent, `${gateway.url}/webhooks/call?${query}`, basicAuth(`user-${i}`, 'shared-test-password'));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(Object.fromEntries(statuses)).to.deep.equal({ 200: TENANTS });

    await gateway.metrics.rebalance();
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const samples = parseExposition(text);
    const gatewaySeries = [...samples.keys()].filter((key) => key.startsWith('graine_'));
    // 21 target values × (hooks, upstream requests, 17 upstream-histogram lines) + 21 account values + fixed series.
    expect(gatewaySeries.length).to.be.below(600);
    const targets = new Set(gatewaySeries.flatMap((key) => [.../target="([^"]*)"/.exec(key)?.slice(1) ?? []]));
    const accounts = new Set(gatewaySeries.flatMap((key) => [.../account="([^"]*)"/.exec(key)?.slice(1) ?? []]));
    expect(targets.size).to.be.at.most(NAMED + 1).and.at.least(2);
    expect(accounts.size).to.be.at.most(NAMED + 1).and.at.least(2);
    expect(targets).to.include('other');
    expect(samples.get('graine_hooks_total{kind="call",outcome="answered",target="other"}')).to.equal(TENANTS - NAMED);
    expect(samples.get('graine_account_hooks_total{account="other",outcome="answered"}')).to.equal(TENANTS - NAMED);
    // Call ids, numbers and caller names are never label values; URLs never either.
    const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((match) => match[1]!);
    for (const forbidden of ['CA-', '1555', 'Caller', '127.0.0.1', '/tenant/']) {
      expect(labelValues.filter((value) => value.includes(forbidden)), forbidden).to.deep.equal([]);
    }
  });
});
