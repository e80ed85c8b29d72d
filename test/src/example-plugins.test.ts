import { expect } from 'chai';
import { DEFAULT_CONFIG_FILE, startGateway, type RunningGateway } from '@graine/server';
import { silentLogger } from '@graine/core';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth } from './support/credentials.js';

describe('the demo config routes applications to the example plugins', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({ configFile: DEFAULT_CONFIG_FILE, env: {}, logger: silentLogger, host: '127.0.0.1', port: 0 });
  });
  after(() => gateway.stop());

  const call = (application_sid: string) =>
    sendHook(`${gateway.url}/webhooks/call?${callHookQuery({ account_sid: 'demo-account-1', application_sid })}`, {
      authorization: basicAuth('demo1', 'demo-password-1'),
    });

  it('answers demo-app-ivr with the spoken menu gathering digits and speech', async () => {
    const response = await call('demo-app-ivr');
    expect(response.status).to.equal(200);
    expect(response.headers.get('x-gateway-outcome')).to.equal(null);
    expect(response.body[0].verb).to.equal('gather');
    // The plugin's relative "/menu" comes back to it through the gateway's route-token path (whole-call routing).
    expect(response.body[0].actionHook).to.match(/^\/t\/[^/]+\/menu$/);
    expect(response.body[0].input).to.deep.equal(['digits', 'speech']);
  });

  it('answers demo-app-hours with either the dial to the desk or the closed message', async () => {
    const response = await call('demo-app-hours');
    expect(response.status).to.equal(200);
    expect(response.body.map((verb: { verb: string }) => verb.verb)).to.deep.equal(['say', 'dial', 'hangup']);
    expect(['Please hold, we are connecting you.', 'We are closed right now. Please leave a message after the tone.']).to.include(response.body[0].text);
  });
});
