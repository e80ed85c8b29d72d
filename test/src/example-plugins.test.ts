import { expect } from 'chai';
import { DEFAULT_CONFIG_FILE, startGateway, type RunningGateway } from '@graine/server';
import { silentLogger } from '@graine/core';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { callInfo, followHook } from './support/platform.js';
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

  it('walks a whole call through the ivr-menu: the gather comes back to the plugin, a wrong key re-prompts, 1 dials sales', async () => {
    const auth = basicAuth('demo1', 'demo-password-1');
    const call = callInfo({ account_sid: 'demo-account-1', application_sid: 'demo-app-ivr', call_sid: 'CA-ivr-1' });
    const [gather] = (await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: auth, body: { ...call, call_status: 'trying' } })).body;
    expect(gather.actionHook).to.match(/^\/t\/[^/]+\/menu$/);

    const wrongKey = await followHook(gateway.url, gather.actionHook, { ...call, reason: 'dtmfDetected', digits: '7', verb_id: gather.id }, { authorization: auth });
    expect(wrongKey.body[0]).to.include({ verb: 'gather', id: 'ivr-menu:attempt:2' });
    expect(wrongKey.body[0].say.text).to.match(/^Sorry, that is not a valid choice\./);

    const sales = await followHook(gateway.url, wrongKey.body[0].actionHook, { ...call, reason: 'dtmfDetected', digits: '1', verb_id: 'ivr-menu:attempt:2' }, { authorization: auth });
    expect(sales.body).to.deep.equal([{ verb: 'dial', target: [{ type: 'phone', number: '+15550001111' }] }, { verb: 'hangup' }]);
  });

  it('hands the call from the ivr-menu to the business-hours application when the caller presses 9', async () => {
    const auth = basicAuth('demo1', 'demo-password-1');
    const call = callInfo({ account_sid: 'demo-account-1', application_sid: 'demo-app-ivr', call_sid: 'CA-ivr-2' });
    const [gather] = (await sendHook(`${gateway.url}/webhooks/call`, { method: 'POST', authorization: auth, body: call })).body;
    const [redirect] = (await followHook(gateway.url, gather.actionHook, { ...call, reason: 'dtmfDetected', digits: '9' }, { authorization: auth })).body;
    expect(redirect.verb).to.equal('redirect');
    const handedOver = await followHook(gateway.url, redirect.actionHook, call, { authorization: auth });
    expect(handedOver.status).to.equal(200);
    expect(handedOver.body.map((verb: { verb: string }) => verb.verb)).to.deep.equal(['say', 'dial', 'hangup']);
  });
});
