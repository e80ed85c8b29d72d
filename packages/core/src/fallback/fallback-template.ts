/**
 * `{{field}}` in fallback text, filled from the hook. Only these fields may be named: they come from
 * the platform's call info and hold no secrets (env_vars, sip headers and credentials never do).
 */
export const TEMPLATE_FIELDS: ReadonlySet<string> = new Set([
  'call_sid',
  'account_sid',
  'application_sid',
  'direction',
  'from',
  'to',
  'caller_name',
  'call_status',
  'parent_call_sid',
]);

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const MAX_FIELD_LENGTH = 128;

/** A string split at load into literal parts and field names, so rendering is a join. */
export interface CompiledTemplate {
  parts: readonly string[];
  fields: readonly string[];
  ssml: boolean;
}

/** Returns undefined for a string without placeholders; throws with the field name for an unknown field. */
export function compileTemplate(text: string): CompiledTemplate | undefined {
  if (!text.includes('{{')) return undefined;
  const parts: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const field = match[1]!;
    if (!TEMPLATE_FIELDS.has(field)) {
      throw new Error(`{{${field}}} is not a field fallback text may use (allowed: ${[...TEMPLATE_FIELDS].join(', ')})`);
    }
    parts.push(text.slice(last, match.index));
    fields.push(field);
    last = match.index + match[0].length;
  }
  if (fields.length === 0) return undefined;
  parts.push(text.slice(last));
  return { parts, fields, ssml: text.trimStart().startsWith('<speak') };
}

export function renderTemplate(template: CompiledTemplate, hookFields: Readonly<Record<string, unknown>>): string {
  let out = template.parts[0]!;
  template.fields.forEach((field, index) => {
    out += escapeFieldValue(hookFields[field], template.ssml) + template.parts[index + 1]!;
  });
  return out;
}

/**
 * Hook values come from callers (a caller name is whatever the far end put in its From header): inside
 * SSML they are XML-escaped; in plain text markup characters are dropped so the value cannot turn the
 * text into SSML. Control characters go in both cases, and the value is cut to a sane length.
 */
function escapeFieldValue(value: unknown, ssml: boolean): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '';
  const text = String(value).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_FIELD_LENGTH);
  if (!ssml) return text.replace(/[<>&"'`]/g, '');
  return text.replace(/[<>&"']/g, (character) => XML_ESCAPES[character]!);
}

const XML_ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
