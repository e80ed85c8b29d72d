import { normalizeJambones, validateVerb } from '@jambonz/verb-specifications';
import type { Verb } from '@graine/sdk';

/**
 * Where an answer will run, which changes what the platform accepts:
 * - `initial`: the call hook; the call is not answered yet and an empty array ends it (protocol §1.1).
 * - `midCall`: an actionHook answer; `sip:decline` is only valid before answer (protocol §1.2).
 * - `waitHook`: enqueue/conference wait music, limited to play/say/pause/leave/tag (protocol §1.2).
 * - `confirmHook`: the dial B-leg app, limited to config/gather/say/tag (protocol §1.2; FS lists
 *   "plays", a typo, so `play` is pruned there).
 */
export type VerbContext = 'initial' | 'midCall' | 'waitHook' | 'confirmHook';

/** `invalid_response`: not an array of verbs at all; `invalid_verbs`: a verb the platform would reject. */
export type VerbCheck = { ok: true; verbs: Verb[] } | { ok: false; reason: 'invalid_response' | 'invalid_verbs'; problem: string };

/**
 * The top-level verbs FS 0.9.8 `make_task.js` builds (protocol §1.2). VS `specs` also holds nested
 * types (`target`, `synthesizer`, …) and verbs the platform cannot run (`pipeline`, `rest:dial`), which
 * pass VS at the top level but are rejected by the platform.
 */
const PLATFORM_VERBS: ReadonlySet<string> = new Set([
  'answer', 'alert', 'config', 'say', 'play', 'pause', 'gather', 'dial', 'hangup', 'redirect',
  'sip:decline', 'sip:refer', 'sip:request', 'conference', 'enqueue', 'dequeue', 'leave', 'dtmf', 'tag',
  'transcribe', 'listen', 'dub', 'message', 'llm', 'dialogflow', 'lex', 'rasa',
]);

const CONTEXT_VERBS: Partial<Record<VerbContext, ReadonlySet<string>>> = {
  waitHook: new Set(['play', 'say', 'pause', 'leave', 'tag']),
  confirmHook: new Set(['config', 'gather', 'say', 'tag']),
};

const HOOK_METHODS: ReadonlySet<string> = new Set(['GET', 'POST']);

/** VS logs through the logger it is given; the gateway reports the thrown message instead. */
const quietLogger = { info() {}, debug() {} };

/**
 * Decides what the platform would decide about a verb array, with the validator it runs
 * (`@jambonz/verb-specifications` pinned at 0.1.13) plus the checks it lacks (protocol §7.7), and
 * returns the verbs in the `{ "verb": … }` shape whatever shape they came in.
 */
export function validateVerbs(value: unknown, context: VerbContext): VerbCheck {
  if (!Array.isArray(value)) return { ok: false, reason: 'invalid_response', problem: 'not a JSON array of verbs' };
  if (value.length === 0 && context === 'initial') return { ok: false, reason: 'invalid_response', problem: 'empty verb array for the call hook' };
  let normalized: Array<Record<string, Record<string, unknown>>>;
  try {
    if (value.some((item) => item === null || Array.isArray(item))) throw new Error('malformed jambonz payload: must be array of objects');
    normalized = normalizeJambones(quietLogger, value);
  } catch (error) {
    return { ok: false, reason: 'invalid_verbs', problem: (error as Error).message };
  }
  const verbs: Verb[] = [];
  for (const [index, entry] of normalized.entries()) {
    const name = Object.keys(entry)[0]!;
    const data = entry[name];
    const problem = checkVerb(name, data, context);
    if (problem) return { ok: false, reason: 'invalid_verbs', problem: `verb ${index}: ${problem}` };
    verbs.push({ verb: name, ...data } as Verb);
  }
  return { ok: true, verbs };
}

function checkVerb(name: string, data: unknown, context: VerbContext): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return `${name}: verb data is not an object`;
  try {
    validateVerb(name, data, quietLogger);
  } catch (error) {
    return (error as Error).message;
  }
  if (!PLATFORM_VERBS.has(name)) return `${name} is not a verb the platform runs`;
  const allowed = CONTEXT_VERBS[context];
  if (allowed && !allowed.has(name)) return `${name} is not allowed in a ${context} answer`;
  if (name === 'sip:decline' && context !== 'initial') return 'sip:decline is only valid before the call is answered';
  return checkHooks(name, data as Record<string, unknown>);
}

/** VS only checks that a hook is an object or a string; the platform asserts GET|POST at request time. */
function checkHooks(name: string, data: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(data)) {
    if (key.endsWith('Hook') && value !== undefined) {
      if (typeof value === 'string') {
        if (value.length === 0) return `${name}: ${key} is an empty string`;
      } else if (value === null) {
        return `${name}: ${key} is null`;
      } else if (typeof value === 'object') {
        const hook = value as Record<string, unknown>;
        if (typeof hook.url !== 'string' || hook.url.length === 0) return `${name}: ${key} has no url`;
        if (hook.method !== undefined && !HOOK_METHODS.has(String(hook.method).toUpperCase())) return `${name}: ${key} method must be GET or POST`;
      }
    }
  }
  return undefined;
}
