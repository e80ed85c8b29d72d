import { connect } from 'node:net';
import { expect } from 'chai';
import { callHookQuery } from './support/call-hook.js';
import { runCli, type CliProcess } from './support/cli-process.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { writeTempConfig } from './support/gateway-harness.js';
import { rawRequest, type RawResponse } from './support/raw-request.js';
import { answerVerbs, startUpstream, type UpstreamServer } from './support/upstream-server.js';

const TENANT_VERBS = [{ verb: 'say', text: 'answered while the gateway was stopping' }, { verb: 'hangup' }];
const AUTH = basicAuth('tenant1', 'secret-1');

/** True when a new TCP connection to the port is refused. */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await condition()) return true;
    await sleep(10);
  }
  return condition();
}

describe('graceful shutdown of the graine-gateway process', function () {
  this.timeout(30_000);
  let upstream: UpstreamServer;
  let config: { file: string; cleanup(): Promise<void> };
  let cli: CliProcess | undefined;

  before(async () => {
    upstream = await startUpstream();
    config = await writeTempConfig({
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 5000 },
      upstreams: { slow: { url: `${upstream.url}/hook`, method: 'POST', timeoutMs: 5000 } },
      defaults: { deadlineMs: 6000 },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          target: { upstream: 'slow' },
        },
      },
    });
  });
  afterEach(() => cli?.kill('SIGKILL'));
  after(async () => {
    await upstream.close();
    await config.cleanup();
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}, refuses new connections, finishes the hook in flight with the tenant's verbs, and exits 0`, async () => {
      // The backend takes at least 500 ms, and in any case answers only once the test has seen new
      // connections refused, so the order of events does not depend on the machine's speed.
      const slowAnswer = answerVerbs(TENANT_VERBS);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      upstream.setHandler(async (request, response) => {
        await Promise.all([sleep(500), released]);
        slowAnswer(request, response);
      });
      upstream.requests.length = 0;
      cli = runCli(['start', '--config', config.file]);
      const url = await cli.listening();
      const port = Number(new URL(url).port);

      let inFlightSettled = false;
      const inFlight = rawRequest(`${url}/webhooks/call?${callHookQuery()}`, { headers: { authorization: AUTH } }).finally(() => {
        inFlightSettled = true;
      });
      expect(await until(() => upstream.requests.length === 1, 5000), 'the hook reached the upstream').to.equal(true);
      cli.kill(signal);

      const refused = await until(() => connectionRefused(port), 5000);
      release();
      expect(refused, 'new connections are refused while draining').to.equal(true);
      expect(inFlightSettled, 'the in-flight hook was still running when new connections were refused').to.equal(false);

      const answer: RawResponse = await inFlight;
      expect(answer.status).to.equal(200);
      expect(answer.headers['content-type']).to.match(/^application\/json/);
      expect(answer.json).to.deep.equal(TENANT_VERBS);
      expect(await cli.exited).to.equal(0);
      expect(cli.stdout()).to.include('gateway stopped');
    });
  }

  it('stops waiting after server.shutdownGraceMs when a hook never finishes, and still exits 0', async () => {
    upstream.setHandler(() => {
      // Never answers.
    });
    const stuck = await writeTempConfig({
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
      upstreams: { stuck: { url: `${upstream.url}/hook`, timeoutMs: 9500 } },
      defaults: { deadlineMs: 9500 },
      accounts: { 'AC-1': { credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }], target: { upstream: 'stuck' } } },
    });
    try {
      upstream.requests.length = 0;
      cli = runCli(['start', '--config', stuck.file]);
      const url = await cli.listening();
      const inFlight = rawRequest(`${url}/webhooks/call?${callHookQuery()}`, { headers: { authorization: AUTH } }).catch((error: Error) => error);
      expect(await until(() => upstream.requests.length === 1, 5000)).to.equal(true);
      const signalled = Date.now();
      cli.kill('SIGTERM');
      expect(await cli.exited).to.equal(0);
      // Well before the 9.5 s deadline would have answered the hook.
      expect(Date.now() - signalled).to.be.below(9000);
      await inFlight;
    } finally {
      await stuck.cleanup();
    }
  });
});
