/**
 * Verb shapes a handler may return (protocol §1). The platform's own validator decides what is
 * accepted; these types only help authors write the common verbs correctly.
 */

/** A hook is a URL (absolute, or relative `/path`) or an object naming the method. */
export type Hook = string | { url: string; method?: 'GET' | 'POST'; username?: string; password?: string };

export interface SayVerb {
  verb: 'say';
  text: string | string[];
  synthesizer?: Record<string, unknown>;
  loop?: number;
  earlyMedia?: boolean;
}

export interface PlayVerb {
  verb: 'play';
  url: string | string[];
  loop?: number;
  earlyMedia?: boolean;
  actionHook?: Hook;
}

export interface PauseVerb {
  verb: 'pause';
  length: number;
}

export interface GatherVerb {
  verb: 'gather';
  input?: Array<'digits' | 'speech'>;
  actionHook?: Hook;
  numDigits?: number;
  minDigits?: number;
  maxDigits?: number;
  finishOnKey?: string;
  timeout?: number;
  interDigitTimeout?: number;
  say?: Omit<SayVerb, 'verb'>;
  play?: Omit<PlayVerb, 'verb'>;
  [property: string]: unknown;
}

export type DialTarget =
  | { type: 'phone'; number: string; trunk?: string }
  | { type: 'sip'; sipUri: string; auth?: { username: string; password: string } }
  | { type: 'user'; name: string }
  | { type: 'teams'; number: string; tenant?: string };

export interface DialVerb {
  verb: 'dial';
  target: DialTarget[];
  callerId?: string;
  answerOnBridge?: boolean;
  timeout?: number;
  timeLimit?: number;
  actionHook?: Hook;
  [property: string]: unknown;
}

export interface HangupVerb {
  verb: 'hangup';
  headers?: Record<string, string>;
}

export interface RedirectVerb {
  verb: 'redirect';
  actionHook: Hook;
  statusHook?: Hook;
}

export interface SipDeclineVerb {
  verb: 'sip:decline';
  status: number;
  reason?: string;
  headers?: Record<string, string>;
}

/** Any other verb of the protocol, checked by the platform's validator rather than by these types. */
export interface OtherVerb {
  verb: string;
  [property: string]: unknown;
}

export type Verb =
  | SayVerb
  | PlayVerb
  | PauseVerb
  | GatherVerb
  | DialVerb
  | HangupVerb
  | RedirectVerb
  | SipDeclineVerb
  | OtherVerb;
