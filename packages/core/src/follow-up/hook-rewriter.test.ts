import { expect } from 'chai';
import { HookRewriter } from './hook-rewriter.js';
import { RouteTokens, splitFollowUpPath } from './route-token.js';

const scope = { accountSid: 'AC-1', applicationSid: 'AP-1', target: 'upstream:backend', routeAbsoluteHooks: false };

describe('hook rewriting', () => {
  const tokens = new RouteTokens('a-test-secret-of-enough-length');
  const rewriter = new HookRewriter(tokens);

  function claimsOf(url: string) {
    const split = splitFollowUpPath(url);
    expect(split, url).to.not.equal(undefined);
    return { ...tokens.verify(split!.token), originalPath: split!.originalPath };
  }

  it('rewrites relative hooks at any depth, in string and object form, keeping the original path and method', () => {
    const [gather, dial, conference, config, redirect] = rewriter.rewrite(
      [
        { verb: 'gather', actionHook: '/menu-choice?step=2', partialResultHook: '/partial', say: { text: 'hi' } },
        { verb: 'dial', target: [], actionHook: { url: '/dial-done', method: 'GET' }, confirmHook: '/confirm', transcribe: { transcriptionHook: '/tx' } },
        { verb: 'conference', name: 'c', waitHook: '/wait', statusHook: '/conf-status', enterHook: '/enter' },
        { verb: 'config', sipRequestWithinDialogHook: '/sip-info', referHook: '/refer' },
        { verb: 'redirect', actionHook: '/next', statusHook: { url: '/call-status', method: 'POST' } },
      ],
      scope,
    ) as any[];
    expect(claimsOf(gather.actionHook)).to.deep.include({ kind: 'action', accountSid: 'AC-1', applicationSid: 'AP-1', originalPath: '/menu-choice?step=2' });
    expect(claimsOf(gather.partialResultHook)).to.deep.include({ kind: 'notify', originalPath: '/partial' });
    expect(gather.say).to.deep.equal({ text: 'hi' });
    expect(dial.actionHook.method).to.equal('GET');
    expect(claimsOf(dial.actionHook.url)).to.deep.include({ kind: 'action', originalPath: '/dial-done' });
    expect(claimsOf(dial.confirmHook).originalPath).to.equal('/confirm');
    expect(claimsOf(dial.transcribe.transcriptionHook)).to.deep.include({ kind: 'notify', originalPath: '/tx' });
    expect(claimsOf(conference.waitHook).kind).to.equal('action');
    expect(claimsOf(conference.statusHook)).to.deep.include({ kind: 'status', originalPath: '/conf-status' });
    expect(claimsOf(conference.enterHook).originalPath).to.equal('/enter');
    expect(claimsOf(config.sipRequestWithinDialogHook).originalPath).to.equal('/sip-info');
    expect(claimsOf(config.referHook).originalPath).to.equal('/refer');
    expect(claimsOf(redirect.actionHook).originalPath).to.equal('/next');
    expect(claimsOf(redirect.statusHook.url)).to.deep.include({ kind: 'status', originalPath: '/call-status' });
  });

  it('leaves absolute hooks on other hosts alone unless the tenant routes them through the gateway', () => {
    const verbs = [{ verb: 'gather', actionHook: 'https://backend.example:8443/menu?x=1', eventHook: 'wss://bot.example/ws' }];
    expect(rewriter.rewrite(verbs, scope)).to.deep.equal(verbs);
    const [routed] = rewriter.rewrite(verbs, { ...scope, routeAbsoluteHooks: true }) as any[];
    expect(claimsOf(routed.actionHook)).to.deep.include({ origin: 'https://backend.example:8443', originalPath: '/menu?x=1' });
    expect(routed.eventHook).to.equal('wss://bot.example/ws');
  });

  it('writes absolute gateway URLs when a public base URL is configured, and does not change its input', () => {
    const input = [{ verb: 'gather', actionHook: '/menu' }];
    const [gather] = new HookRewriter(tokens, 'https://gw.example/').rewrite(input, scope) as any[];
    expect(gather.actionHook).to.match(/^https:\/\/gw\.example\/t\/[^/]+\/menu$/);
    expect(input[0]!.actionHook).to.equal('/menu');
  });

  it('refuses tokens that were altered or signed with another secret', () => {
    const token = tokens.issue({ kind: 'action', accountSid: 'AC-1', applicationSid: 'AP-1', target: 'upstream:backend' });
    expect(tokens.verify(token)).to.deep.equal({ kind: 'action', accountSid: 'AC-1', applicationSid: 'AP-1', target: 'upstream:backend' });
    const forgedPayload = Buffer.from(JSON.stringify(['a', 'AC-2', 'AP-2', 'upstream:backend'])).toString('base64url');
    expect(tokens.verify(`${forgedPayload}${token.slice(token.indexOf('.'))}`)).to.equal(undefined);
    expect(new RouteTokens('another-secret-of-enough-length').verify(token)).to.equal(undefined);
    expect(tokens.verify('garbage')).to.equal(undefined);
  });
});
