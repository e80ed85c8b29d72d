import { definePlugin, SDK_API_VERSION, type CallHook, type Verb } from '@graine/sdk';

export interface StaticOptions {
  /** The verbs to answer with. `{{field}}` in any string is replaced by that hook field (e.g. `{{to}}`). */
  verbs: Verb[];
}

/** Fields a template may name; other `{{…}}` stay as written, so secrets such as env_vars can never be spliced in. */
const TEMPLATE_FIELDS = new Set(['call_sid', 'account_sid', 'application_sid', 'direction', 'from', 'to', 'caller_name', 'call_status']);

export default definePlugin<StaticOptions>({
  name: 'static',
  version: '0.1.0',
  apiVersion: SDK_API_VERSION,
  // It answers from its options and the hook alone: no call scope needed (see PluginDefinition.synchronous).
  synchronous: true,
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['verbs'],
    properties: {
      verbs: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['verb'], properties: { verb: { type: 'string' } } },
      },
    },
  },
  setup({ options }) {
    const answer = compileTemplates(options.verbs);
    return {
      callHook: (hook) => answer(hook) as Verb[],
    };
  },
});

const TEMPLATE = /\{\{\s*([a-z_]+)\s*\}\}/;
const EVERY_TEMPLATE = new RegExp(TEMPLATE.source, 'g');

/**
 * Prepares the configured verbs once, at setup. They are frozen in place and, when no string in them holds
 * a `{{…}}`, every answer is that same frozen array. Otherwise each hook rebuilds only the objects on the way
 * to a templated string and shares the rest. (Filling the whole tree on every hook was most of what this
 * plugin cost.)
 */
function compileTemplates(verbs: Verb[]): (hook: CallHook) => unknown {
  deepFreeze(verbs);
  return fillerFor(verbs) ?? constant(verbs);
}

/** A function filling the templates under `value` for one hook, or undefined when there are none. */
function fillerFor(value: unknown): ((hook: CallHook) => unknown) | undefined {
  if (typeof value === 'string') return TEMPLATE.test(value) ? (hook) => fillTemplate(value, hook) : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Object.entries(value);
  const fillers = entries.map(([, item]) => fillerFor(item));
  if (fillers.every((filler) => filler === undefined)) return undefined;
  const isArray = Array.isArray(value);
  return (hook) => {
    const filled = (isArray ? [] : {}) as Record<string, unknown>;
    for (let index = 0; index < entries.length; index++) {
      const [key, item] = entries[index]!;
      const filler = fillers[index];
      filled[key] = filler ? filler(hook) : item;
    }
    return filled;
  };
}

/** Its own function, so that the closure keeps only the frozen value (with 5,000 routes, every copy shows). */
function constant(value: unknown): () => unknown {
  return () => value;
}

/** Freezes the configured verbs in place: they are this instance's, and shared by every answer. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Replaces each `{{field}}` naming an allowed hook field by that field's value, made safe to speak. */
function fillTemplate(text: string, hook: CallHook): string {
  return text.replace(EVERY_TEMPLATE, (match, field: string) => {
    if (!TEMPLATE_FIELDS.has(field)) return match;
    const fieldValue = (hook as unknown as Record<string, unknown>)[field];
    return typeof fieldValue === 'string' ? spokenSafe(fieldValue) : '';
  });
}

/** Hook values come from callers: SSML markup in a caller name must not reach the speech engine as markup. */
function spokenSafe(value: string): string {
  return value.replace(/[<>&"]/g, '');
}
