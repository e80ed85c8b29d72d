import type { ServerResponse } from 'node:http';
import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { scrape, seriesKey } from './support/metrics.js';
import { callInfo, eventually } from './support/platform.js';
import { answerVerbs, startUpstream, type RecordedRequest, type UpstreamServer } from './support/upstream-server.js';

const tenant = basicAuth('tenant1', 'secret-1');

async function statusGateway(sink: UpstreamServer, backend: UpstreamServer, forwarding: Record<string, number>): Promise<TestGateway> {
  return startTestGateway({
    upstreams: {
      backend: { url: `${backend.url}/call-hook`, timeoutMs: 1000 },
      sink: { url: `${sink.url}/status`, timeoutMs: 5000 },
    },
    statusForwarding: forwarding,
    accounts: {
      'AC-1': {
        credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
        statusUpstream: 'sink',
        applications: { 'AP-1': { target: { upstream: 'backend' } } },
      },
    },
  });
}

function postStatus(gateway: TestGateway, call_status: string, extra: Record<string, unknown> = {}) {
  return sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', authorization: tenant, body: callInfo({ call_status, ...extra }) });
}

/** A sink that holds every response until released. */
function holdingSink() {
  const held: ServerResponse[] = [];
  let releasing = false;
  return {
    held,
    handler: (_request: RecordedRequest, response: ServerResponse) => {
      if (releasing) response.writeHead(200).end();
      else held.push(response);
    },
    release() {
      releasing = true;
      for (const response of held.splice(0)) response.writeHead(200).end();
    },
  };
}

const statusesOf = (sink: UpstreamServer) => sink.requests.map((request) => (request.json() as { call_status: string }).call_status);

describe('call-status forwarding', () => {
  let backend: UpstreamServer;
  let sink: UpstreamServer;
  let gateway: TestGateway | undefined;

  beforeEach(async () => {
    backend = await startUpstream(answerVerbs([{ verb: 'say', text: 'hello' }]));
    sink = await startUpstream((_request, response) => {
      response.writeHead(200).end();
    });
  });
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
    await sink.close();
    await backend.close();
  });

  it('answers status events and call hooks at once while the status sink hangs', async () => {
    const holding = holdingSink();
    sink.setHandler(holding.handler);
    gateway = await statusGateway(sink, backend, { timeoutMs: 5000 });

    const status = await postStatus(gateway, 'ringing');
    expect(status.status).to.equal(200);
    expect(status.body).to.deep.equal({ status: 'queued' });
    await eventually(() => holding.held.length === 1);

    const second = await postStatus(gateway, 'in-progress');
    expect(second.status).to.equal(200);
    const call = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: tenant });
    expect(call.status).to.equal(200);
    expect(call.body).to.deep.equal([{ verb: 'say', text: 'hello' }]);
    // Both answers came while the sink still held the first event.
    expect(holding.held.length).to.equal(1);
    expect(gateway.statusForwarder.stats()[0]).to.include({ label: 'sink', depth: 1, inFlight: true });

    holding.release();
    await eventually(() => sink.requests.length === 2);
    expect(statusesOf(sink)).to.deep.equal(['ringing', 'in-progress']);
  });

  it('drops the oldest waiting event when the queue is full, counts it (log and metrics), and delivers the rest in order', async () => {
    const holding = holdingSink();
    sink.setHandler(holding.handler);
    gateway = await statusGateway(sink, backend, { queueSize: 3, timeoutMs: 5000 });

    await postStatus(gateway, 'trying');
    await eventually(() => holding.held.length === 1);
    for (const call_status of ['ringing', 'early-media', 'in-progress', 'completed', 'failed']) await postStatus(gateway, call_status);
    expect(gateway.statusForwarder.stats()[0]).to.include({ depth: 3, dropped: 2, enqueued: 6 });
    expect(gateway.logs.filter((line) => line.msg === 'status queue full: oldest event dropped')).to.have.length(2);
    const samples = await scrape(gateway.url);
    expect(samples.get(seriesKey('graine_status_queue_depth', { target: 'sink' }))).to.equal(3);
    expect(samples.get(seriesKey('graine_status_forwards_total', { result: 'dropped' }))).to.equal(2);

    holding.release();
    await eventually(() => sink.requests.length === 4);
    expect(statusesOf(sink)).to.deep.equal(['trying', 'in-progress', 'completed', 'failed']);
    expect(gateway.statusForwarder.stats()[0]).to.include({ delivered: 4, dropped: 2, depth: 0 });
  });

  it('retries a failing sink with growing backoff, then gives up and goes on with the next event', async () => {
    const arrivals: number[] = [];
    let failuresLeft = 2;
    sink.setHandler((request, response) => {
      arrivals.push(performance.now());
      const status = (request.json() as { call_status: string }).call_status;
      if (status === 'never') return void response.writeHead(500).end();
      if (failuresLeft-- > 0) return void response.writeHead(503).end();
      response.writeHead(200).end();
    });
    gateway = await statusGateway(sink, backend, { retries: 2, backoffMs: 60, timeoutMs: 1000 });

    await postStatus(gateway, 'ringing');
    await eventually(() => gateway!.statusForwarder.stats()[0]?.delivered === 1);
    expect(statusesOf(sink)).to.deep.equal(['ringing', 'ringing', 'ringing']);
    expect(arrivals[1]! - arrivals[0]!).to.be.at.least(55);
    expect(arrivals[2]! - arrivals[1]!).to.be.at.least(115);

    await postStatus(gateway, 'never');
    await postStatus(gateway, 'completed');
    await eventually(() => gateway!.statusForwarder.stats()[0]?.delivered === 2);
    expect(statusesOf(sink).slice(3)).to.deep.equal(['never', 'never', 'never', 'completed']);
    expect(gateway.statusForwarder.stats()[0]).to.include({ retries: 4, failed: 1 });
    expect(gateway.logs.some((line) => line.msg === 'status event not delivered' && line.reason === 'bad_status')).to.equal(true);
  });

  it('delivers queued events during shutdown, within the drain time', async () => {
    sink.setHandler((_request, response) => {
      setTimeout(() => response.writeHead(200).end(), 50);
    });
    gateway = await statusGateway(sink, backend, { drainMs: 3000 });
    for (const call_status of ['ringing', 'in-progress', 'completed']) await postStatus(gateway, call_status);
    const stopping = gateway;
    gateway = undefined;
    await stopping.stop();
    expect(statusesOf(sink)).to.deep.equal(['ringing', 'in-progress', 'completed']);
    expect(stopping.statusForwarder.stats()[0]).to.include({ delivered: 3, dropped: 0 });
  });

  it('stops waiting for a dead sink when the drain time is over, and counts what was left', async () => {
    const holding = holdingSink();
    sink.setHandler(holding.handler);
    gateway = await statusGateway(sink, backend, { drainMs: 200, timeoutMs: 5000 });
    for (const call_status of ['ringing', 'in-progress', 'completed']) await postStatus(gateway, call_status);
    await eventually(() => holding.held.length === 1);
    const stopping = gateway;
    gateway = undefined;
    // The delivery in flight is cut at the drain deadline, not left to run into the sink's 5 s timeout.
    const stopStarted = Date.now();
    await stopping.stop();
    expect(Date.now() - stopStarted, 'shutdown waited for the sink timeout instead of the drain time').to.be.below(3000);
    expect(stopping.statusForwarder.stats()[0]).to.include({ delivered: 0, dropped: 3, depth: 0 });
    holding.release();
  });

  it('forwards a status event sent as GET to the sink as GET with the same query parameters', async () => {
    gateway = await statusGateway(sink, backend, {});
    const answer = await sendHook(`${gateway.url}/webhooks/status?${callHookQuery({ call_status: 'completed', sip_status: '200' })}`, { authorization: tenant });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'queued' });
    await eventually(() => sink.requests.length === 1);
    const [forwarded] = sink.requests;
    expect(forwarded!.method).to.equal('GET');
    expect(Object.fromEntries(forwarded!.url.searchParams)).to.deep.equal(Object.fromEntries(callHookQuery({ call_status: 'completed', sip_status: '200' })));
  });

  it('answers 200 without forwarding when the tenant has no status sink', async () => {
    gateway = await startTestGateway({
      upstreams: { backend: { url: `${backend.url}/call-hook` } },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: { 'AP-1': { target: { upstream: 'backend' } } },
        },
      },
    });
    const answer = await postStatus(gateway, 'completed');
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'no_sink' });
    const unauthenticated = await sendHook(`${gateway.url}/webhooks/status`, { method: 'POST', body: callInfo() });
    expect(unauthenticated.status).to.equal(401);
  });
});
