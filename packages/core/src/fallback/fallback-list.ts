import type { Verb } from '@graine/sdk';
import { compileTemplate, renderTemplate, type CompiledTemplate } from './fallback-template.js';

/**
 * A merged, validated fallback list, compiled at load. `render` fills `{{field}}` templates from the
 * hook; a list without templates renders to the same frozen array every time.
 */
export class FallbackList {
  private readonly render_: (fields: Readonly<Record<string, unknown>>) => readonly Verb[];

  constructor(readonly verbs: readonly Verb[]) {
    const templates = new Map<string, CompiledTemplate>();
    collectTemplates(verbs, templates);
    if (templates.size === 0) {
      const frozen = Object.freeze(verbs.map((verb) => Object.freeze({ ...verb })));
      this.render_ = () => frozen;
    } else {
      this.render_ = (fields) => fillStrings(verbs, templates, fields) as Verb[];
    }
  }

  render(hookFields: Readonly<Record<string, unknown>>): readonly Verb[] {
    return this.render_(hookFields);
  }
}

/** Throws on an unknown `{{field}}`; the caller adds the config path. */
export function checkTemplates(value: unknown): void {
  collectTemplates(value, new Map());
}

function collectTemplates(value: unknown, into: Map<string, CompiledTemplate>): void {
  if (typeof value === 'string') {
    const template = compileTemplate(value);
    if (template) into.set(value, template);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTemplates(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectTemplates(item, into);
  }
}

function fillStrings(value: unknown, templates: Map<string, CompiledTemplate>, fields: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') {
    const template = templates.get(value);
    return template ? renderTemplate(template, fields) : value;
  }
  if (Array.isArray(value)) return value.map((item) => fillStrings(item, templates, fields));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = fillStrings(item, templates, fields);
    return out;
  }
  return value;
}
