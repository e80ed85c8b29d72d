import { expect } from 'chai';
import { callHookQuery, sendHook } from './support/call-hook.js';
import { basicAuth, passwordHash } from './support/credentials.js';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';

describe('the gateway answers a call hook through a plugin', () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startTestGateway({
      accounts: {
        'AC-1': {
          credentials: [{ username: 'tenant1', password: await passwordHash('secret-1') }],
          applications: {
            'AP-1': { target: { plugin: 'static', options: { verbs: [{ verb: 'say', text: 'Hi {{caller_name}}' }, { verb: 'hangup' }] } } },
          },
        },
      },
    });
  });
  after(() => gateway.stop());

  it('answers the seed GET with the plugin verbs as a JSON array', async () => {
    const response = await sendHook(`${gateway.url}/webhooks/call?${callHookQuery()}`, { authorization: basicAuth('tenant1', 'secret-1') });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^application\/json/);
    expect(response.body).to.deep.equal([{ verb: 'say', text: 'Hi Alice' }, { verb: 'hangup' }]);
  });
});
