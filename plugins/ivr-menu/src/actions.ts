import type { DialTarget, Verb } from '@graine/sdk';

/** What choosing a menu entry does. */
export type MenuAction =
  | { dial: string; callerId?: string; timeout?: number }
  | { say: string; thenHangup?: boolean }
  | { redirect: string };

/** A number (`+15551234567`) dials the phone network; anything starting with `sip:` or `sips:` is a SIP URI. */
export function dialTarget(destination: string): DialTarget {
  return /^sips?:/i.test(destination) ? { type: 'sip', sipUri: destination } : { type: 'phone', number: destination };
}

export function actionVerbs(action: MenuAction): Verb[] {
  if ('dial' in action) {
    return [
      {
        verb: 'dial',
        target: [dialTarget(action.dial)],
        ...(action.callerId !== undefined && { callerId: action.callerId }),
        ...(action.timeout !== undefined && { timeout: action.timeout }),
      },
      // The stack continues after the dial ends; without a hangup the call would end with a 603 (protocol §1.2).
      { verb: 'hangup' },
    ];
  }
  if ('say' in action) return action.thenHangup === false ? [{ verb: 'say', text: action.say }] : [{ verb: 'say', text: action.say }, { verb: 'hangup' }];
  // The redirected-to application answers from then on (protocol §1.2: redirect hands control over).
  return [{ verb: 'redirect', actionHook: action.redirect }];
}
