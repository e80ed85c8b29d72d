import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { basicAuth } from './support/credentials.js';
import { writeTempConfig } from './support/gateway-harness.js';
import { parseExposition } from './support/metrics.js';

const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A hook on a fresh connection, so the cluster's round-robin spreads hooks over the workers. */
function sendOnNewConnection(url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { authorization, connection: 'close' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('start --workers 2', function () {
  this.timeout(30_000);
  let primary: ChildProcess;
  let cleanup: () => Promise<void>;
  const lines: Array<Record<string, unknown>> = [];
  let port: number;

  async function waitForLine(predicate: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no log line: ${what}\n${JSON.stringify(lines, null, 1)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const listeningPids = () => new Set(lines.filter((line) => line.msg === 'gateway listening').map((line) => line.pid as number));

  before(async () => {
    port = await freePort();
    const config = await writeTempConfig({
      metrics: { defaultMetrics: true },
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: '${TENANT_PASSWORD}' }],
          applications: { 'AP-1': { target: { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } } } },
        },
      },
    });
    cleanup = config.cleanup;
    primary = spawn(process.execPath, [CLI, 'start', '--workers', '2', '--config', config.file], {
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', TENANT_PASSWORD: 'cluster-secret' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffered = '';
    primary.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    await waitForLine(() => listeningPids().size === 2, 'two workers listening');
  });
  after(async () => {
    if (primary.exitCode === null) {
      primary.kill('SIGKILL');
      await once(primary, 'exit');
    }
    await cleanup();
  });

  it('replaces a worker that dies, serves hooks on both, aggregates their metrics, and stops on SIGTERM', async () => {
    const [victim] = [...listeningPids()];
    process.kill(victim!, 'SIGKILL');
    await waitForLine((line) => line.msg === 'worker died; starting a replacement' && line.pid === victim, 'the primary notices');
    await waitForLine(() => listeningPids().size === 3, 'a replacement worker listening');

    const hooks = 12;
    const url = `http://127.0.0.1:${port}/webhooks/call?call_sid=CA-1&account_sid=AC-1&application_sid=AP-1&direction=inbound&from=1&to=2&call_status=trying&sip_status=100`;
    for (let i = 0; i < hooks; i++) expect(await sendOnNewConnection(url, basicAuth('tenant1', 'cluster-secret'))).to.equal(200);

    // Log lines are written in batches (at the latest every 250 ms): wait for all twelve.
    await waitForLine(() => lines.filter((line) => line.msg === 'hook answered').length === hooks, 'a line for every hook');
    const answeredBy = new Set(lines.filter((line) => line.msg === 'hook answered').map((line) => line.pid));
    expect(answeredBy.size, 'hooks answered by both live workers').to.equal(2);
    expect(answeredBy.has(victim)).to.equal(false);
    const samples = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    expect(samples.get('graine_hooks_total{kind="call",outcome="answered",target="static"}')).to.equal(hooks);
    expect(samples.get('graine_config_generation')).to.equal(1);

    primary.kill('SIGTERM');
    const [code] = (await once(primary, 'exit')) as [number | null];
    expect(code).to.equal(0);
  });
});
