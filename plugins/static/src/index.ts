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

/**
 * Walks the verbs once, at setup: parts without a `{{…}}` are frozen and shared by every answer, and only
 * the parts with templates are rebuilt per hook. (Filling the whole tree on every hook was most of what
 * this plugin cost.)
 */
export function compileTemplates(value: unknown): (hook: CallHook) => unknown {
  if (!JSON.stringify(value).match(TEMPLATE)) return constant(deepFreeze(value));
  if (typeof value === 'string') return (hook) => fillTemplates(value, hook);
  if (Array.isArray(value)) {
    const items = value.map(compileTemplates);
    return (hook) => items.map((item) => item(hook));
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, compileTemplates(item)] as const);
  return (hook) => {
    const filled: Record<string, unknown> = {};
    for (const [key, item] of entries) filled[key] = item(hook);
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

export function fillTemplates(value: unknown, hook: CallHook): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (match, field: string) => {
      if (!TEMPLATE_FIELDS.has(field)) return match;
      const fieldValue = (hook as unknown as Record<string, unknown>)[field];
      return typeof fieldValue === 'string' ? spokenSafe(fieldValue) : '';
    });
  }
  if (Array.isArray(value)) return value.map((item) => fillTemplates(item, hook));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillTemplates(item, hook)]));
  }
  return value;
}

/** Hook values come from callers: SSML markup in a caller name must not reach the speech engine as markup. */
function spokenSafe(value: string): string {
  return value.replace(/[<>&"]/g, '');
}
