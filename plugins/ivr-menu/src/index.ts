import { definePlugin, SDK_API_VERSION, services, type ActionHook, type GatherVerb, type Verb } from '@graine/sdk';
import { actionVerbs } from './actions.js';
import { ivrMenuOptionsSchema, type IvrMenuOptions, type MenuChoice } from './options.js';

export type { IvrMenuOptions, MenuChoice } from './options.js';
export type { MenuAction } from './actions.js';

/** The follow-up hook the menu's gather reports to: `"/menu"` comes back to `actionHooks.menu`. */
export const MENU_HOOK = 'menu';
/**
 * The attempt number travels in the gather's `id`, which the platform echoes as `verb_id` in the
 * actionHook payload (protocol §1.1), so the menu keeps no per-call state.
 */
const ATTEMPT_ID = /^ivr-menu:attempt:(\d+)$/;

export default definePlugin<IvrMenuOptions, { logger: typeof services.logger }>({
  name: 'ivr-menu',
  version: '0.1.0',
  apiVersion: SDK_API_VERSION,
  // Answers from its options and the hook; its debug line is written synchronously (PluginDefinition.synchronous).
  synchronous: true,
  optionsSchema: ivrMenuOptionsSchema,
  deps: { logger: services.logger },
  setup({ options, deps }) {
    const menu = new SpokenMenu(options);
    return {
      callHook: () => menu.offer(1),
      actionHooks: {
        [MENU_HOOK]: (hook) => {
          const answer = menu.answer(hook);
          deps.logger.debug('menu answered', { outcome: answer.outcome, attempt: answer.attempt });
          return answer.verbs;
        },
      },
    };
  },
});

export interface MenuAnswer {
  outcome: 'chosen' | 'no_input' | 'invalid_choice' | 'gave_up';
  attempt: number;
  verbs: Verb[];
}

export class SpokenMenu {
  private readonly maxAttempts: number;
  private readonly numDigits: number;

  constructor(private readonly options: IvrMenuOptions) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.numDigits = Math.max(...options.choices.map((choice) => choice.digits.length));
  }

  /** The gather that speaks the prompt (after an optional apology) and listens. */
  offer(attempt: number, before?: string): Verb[] {
    const gather: GatherVerb = {
      verb: 'gather',
      id: `ivr-menu:attempt:${attempt}`,
      input: this.options.speech ? ['digits', 'speech'] : ['digits'],
      numDigits: this.numDigits,
      timeout: this.options.timeoutSeconds ?? 5,
      actionHook: `/${MENU_HOOK}`,
      say: { text: before ? `${before} ${this.options.prompt}` : this.options.prompt },
    };
    return [gather];
  }

  answer(hook: ActionHook): MenuAnswer {
    const payload = hook.payload;
    const attempt = Number(ATTEMPT_ID.exec(String(payload.verb_id ?? ''))?.[1] ?? 1);
    const choice = this.choose(payload);
    if (choice) return { outcome: 'chosen', attempt, verbs: actionVerbs(choice.action) };
    const heardNothing = payload.reason === 'timeout' || (!payload.digits && !transcriptOf(payload));
    const outcome = heardNothing ? 'no_input' : 'invalid_choice';
    if (attempt >= this.maxAttempts) {
      return {
        outcome: 'gave_up',
        attempt,
        verbs: [{ verb: 'say', text: this.options.giveUpMessage ?? 'Sorry, we could not understand your choice. Goodbye.' }, { verb: 'hangup' }],
      };
    }
    const apology = heardNothing
      ? (this.options.noInputMessage ?? "Sorry, I didn't get that.")
      : (this.options.invalidChoiceMessage ?? 'Sorry, that is not a valid choice.');
    return { outcome, attempt, verbs: this.offer(attempt + 1, apology) };
  }

  private choose(payload: Readonly<Record<string, unknown>>): MenuChoice | undefined {
    const digits = typeof payload.digits === 'string' ? payload.digits : undefined;
    if (digits) return this.options.choices.find((choice) => choice.digits === digits);
    const transcript = transcriptOf(payload)?.toLowerCase();
    if (!transcript || !this.options.speech) return undefined;
    return this.options.choices.find((choice) => choice.speech?.some((word) => transcript.includes(word.toLowerCase())));
  }
}

/** The best alternative of a final speech result (protocol §2.4: `speech.alternatives[].transcript`). */
function transcriptOf(payload: Readonly<Record<string, unknown>>): string | undefined {
  const speech = payload.speech as { alternatives?: Array<{ transcript?: unknown }> } | undefined;
  const transcript = speech?.alternatives?.[0]?.transcript;
  return typeof transcript === 'string' && transcript.trim() !== '' ? transcript : undefined;
}
