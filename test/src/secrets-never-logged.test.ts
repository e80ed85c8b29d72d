import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '@graine/server';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { answerVerbs, startUpstream, type UpstreamServer } from './support/upstream-server.js';

const TENANT_PASSWORD = 'tenant-password-7f3a';
const UPSTREAM_PASSWORD = 'upstream-password-91c2';
const ENV_VAR_SECRET = 'env-var-secret-5d8e';
const SIGNATURE = 't=1700000000,v1=signature-secret-2b6f';
const WRONG_PASSWORD = 'wrong-password-0a4d';
const SDP_SECRET = 'c=IN IP4 203.0.113.77';

describe('secrets never reach the log or the metrics', () => {
  let gateway: TestGateway;
  let healthy: UpstreamServer;
  let broken: UpstreamServer;
  before(async () => {
    healthy = await startUpstream(answerVerbs([{ verb: 'hangup' }]));
    broken = await startUpstream(answerVerbs('oops', 500, 'text/plain'));
    gateway = await startTestGateway(
      {
        logging: { maskPhoneNumbers: true },
        upstreams: {
          healthy: { url: `${healthy.url}/hook`, auth: { username: 'gw', password: '${UPSTREAM_PASSWORD}' } },
          broken: { url: `${broken.url}/hook`, auth: { username: 'gw', password: '${UPSTREAM_PASSWORD}' } },
        },
        accounts: {
          'AC-1': {
            credentials: [{ username: 'tenant1', password: '${TENANT_PASSWORD}' }],
            applications: {
              'AP-ok': { target: { upstream: 'healthy' } },
              'AP-broken': { target: { upstream: 'broken' } },
              'AP-plugin': { target: { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } } },
            },
          },
        },
      },
      { env: { TENANT_PASSWORD, UPSTREAM_PASSWORD } },
    );
  });
  after(async () => {
    await gateway.stop();
    await healthy.close();
    await broken.close();
  });

  it('answered, fallback and rejected hooks carrying every kind of secret leave none of them in the log or /metrics', async () => {
    const send = (application: string, password: string) =>
      sendHook(`${gateway.url}/webhooks/call`, {
        method: 'POST',
        authorization: basicAuth('tenant1', password),
        headers: { 'jambonz-signature': SIGNATURE },
        body: {
          ...Object.fromEntries(callHookQuery({ account_sid: 'AC-1', application_sid: application })),
          sip_status: 100,
          env_vars: { API_KEY: ENV_VAR_SECRET },
          sip: { raw: `INVITE sip:bob@example.com SIP/2.0\r\n\r\nv=0\r\n${SDP_SECRET}\r\n`, headers: {} },
        },
      });
    expect((await send('AP-ok', TENANT_PASSWORD)).status).to.equal(200);
    expect((await send('AP-broken', TENANT_PASSWORD)).headers.get('x-gateway-outcome')).to.match(/^fallback/);
    expect((await send('AP-plugin', TENANT_PASSWORD)).status).to.equal(200);
    expect((await send('AP-ok', WRONG_PASSWORD)).status).to.equal(401);
    // The upstream did receive what it is owed (the env_vars, and the gateway's own credentials).
    expect(healthy.requests[0]!.body).to.include(ENV_VAR_SECRET);

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const log = gateway.rawLogs();
    expect(gateway.logs.filter((line) => line.msg === 'hook answered' || line.msg === 'hook answered with fallback verbs')).to.have.length(4);
    for (const secret of [
      TENANT_PASSWORD,
      UPSTREAM_PASSWORD,
      ENV_VAR_SECRET,
      SIGNATURE,
      'signature-secret-2b6f',
      WRONG_PASSWORD,
      SDP_SECRET,
      basicAuth('tenant1', TENANT_PASSWORD).slice('Basic '.length),
      basicAuth('tenant1', WRONG_PASSWORD).slice('Basic '.length),
      basicAuth('gw', UPSTREAM_PASSWORD).slice('Basic '.length),
    ]) {
      expect(log, `log holds ${secret}`).not.to.include(secret);
      expect(metrics, `metrics hold ${secret}`).not.to.include(secret);
    }
    // Phone numbers are masked when configured, and never metric labels.
    expect(log).not.to.include('15551230000');
    expect(gateway.logs.find((line) => line.msg === 'hook answered')).to.include({ from: '*******0000', to: '*******0000' });
    expect(metrics).not.to.include('15551230000');
    expect(metrics).not.to.include('CA-test-0001');
  });

  it('the logger redacts authorization, signatures, env_vars, sip and SDP wherever a plugin or handler logs them', () => {
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(chunk.toString('utf8'));
          callback();
        },
      }),
    });
    logger.info(
      {
        authorization: `Basic ${TENANT_PASSWORD}`,
        headers: { authorization: `Basic ${TENANT_PASSWORD}`, 'jambonz-signature': SIGNATURE },
        env_vars: { API_KEY: ENV_VAR_SECRET },
        payload: { env_vars: { API_KEY: ENV_VAR_SECRET }, sip: { raw: SDP_SECRET } },
        request: { body: { env_vars: ENV_VAR_SECRET, sdp: SDP_SECRET }, headers: { authorization: TENANT_PASSWORD } },
        upstream: { password: UPSTREAM_PASSWORD },
        signature: SIGNATURE,
      },
      'a handler logged its whole input',
    );
    const text = lines.join('');
    for (const secret of [TENANT_PASSWORD, ENV_VAR_SECRET, SIGNATURE, SDP_SECRET, UPSTREAM_PASSWORD]) expect(text).not.to.include(secret);
    expect(text).to.include('[redacted]');
  });
});
