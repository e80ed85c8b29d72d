import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import schema from './gateway.schema.json' with { type: 'json' };
import { ConfigError, joinPath } from './errors.js';
import type { GatewayConfig, LoadedConfig } from './types.js';

export const gatewaySchema = schema;

const ajv = new Ajv({ allErrors: false, useDefaults: false, strict: false });
const validateGatewayConfig = ajv.compile<GatewayConfig>(schema);

/** Reads, parses, resolves `${VAR}` references and validates a config file. Throws ConfigError. */
export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, '', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseConfigText(file, text, env);
}

export function parseConfigText(file: string, text: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const raw = parseYamlText(file, text);
  // Line numbers are only needed for an error message, so the YAML syntax tree that gives them is built
  // again on demand rather than kept: for 10,000 tenants it weighs more than the config itself.
  let lines: LineIndex | undefined;
  const lineOf = (path: string): number | undefined => (lines ??= indexLines(text)).lineOf(path);

  const envPaths = new Set<string>();
  const resolved = resolveEnvReferences(raw, '', env, envPaths, (path, reason) => {
    throw new ConfigError(file, path, reason, lineOf(path));
  });

  if (!validateGatewayConfig(resolved)) {
    const error = mostSpecificError(validateGatewayConfig.errors ?? []);
    const path = pointerToPath(error?.instancePath ?? '');
    // An unknown property is best shown at its own line, not at its parent's.
    const unknownKey = error?.keyword === 'additionalProperties' ? (error.params as { additionalProperty?: string }).additionalProperty : undefined;
    const line = (unknownKey !== undefined ? lineOf(joinPath(path, unknownKey)) : undefined) ?? lineOf(path);
    throw new ConfigError(file, path, describeSchemaError(error), line);
  }
  return { file, config: resolved, envPaths, lineOf };
}

/**
 * YAML, read with the `yaml` package; a file that is plain JSON (generated configs of thousands of tenants
 * usually are) takes the much lighter JSON.parse, since JSON is YAML.
 */
function parseYamlText(file: string, text: string): unknown {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not strict JSON after all: the YAML parser reads it, or says where it is wrong.
    }
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line ?? lineCounter.linePos(firstError.pos[0]).line;
    throw new ConfigError(file, '', `invalid YAML: ${firstError.message.split('\n')[0]}`, line);
  }
  return document.toJS();
}

interface LineIndex {
  lineOf(path: string): number | undefined;
}

function indexLines(text: string): LineIndex {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  return {
    lineOf(path) {
      const node = findNode(document.contents as Node | null, pathSegments(path));
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    },
  };
}

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${VAR}` and `${VAR:-default}` in any string value, resolved once at load (docker-compose syntax). */
function resolveEnvReferences(
  value: unknown,
  path: string,
  env: NodeJS.ProcessEnv,
  envPaths: Set<string>,
  fail: (path: string, reason: string) => never,
): unknown {
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    envPaths.add(path);
    return value.replace(ENV_REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
      if (fallback !== undefined) return fallback;
      return fail(path, `environment variable ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => resolveEnvReferences(item, joinPath(path, index), env, envPaths, fail));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = resolveEnvReferences(item, joinPath(path, key), env, envPaths, fail);
    return out;
  }
  return value;
}

/** With oneOf, ajv reports every branch; the deepest error is the one a person can act on. */
function mostSpecificError(errors: ErrorObject[]): ErrorObject | undefined {
  const meaningful = errors.filter((error) => error.keyword !== 'oneOf' && error.keyword !== 'if');
  const pool = meaningful.length > 0 ? meaningful : errors;
  return pool.reduce<ErrorObject | undefined>(
    (best, error) => (!best || error.instancePath.length > best.instancePath.length ? error : best),
    undefined,
  );
}

function describeSchemaError(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the schema';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown property "${String(params.additionalProperty)}"`;
    case 'required':
      return `missing required property "${String(params.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'propertyNames':
      return `invalid name "${String(params.propertyName)}"`;
    default:
      return error.message ?? 'does not match the schema';
  }
}

function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<string>((path, segment) => joinPath(path, /^\d+$/.test(segment) ? Number(segment) : segment), '');
}

function pathSegments(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const pattern = /([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|\[(\d+)\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(JSON.parse(`"${match[2]}"`) as string);
    else if (match[3] !== undefined) segments.push(Number(match[3]));
  }
  return segments;
}

function findNode(node: Node | null, segments: Array<string | number>): Node | undefined {
  let current: unknown = node;
  let lastKey: Node | undefined;
  for (const segment of segments) {
    if (isMap(current)) {
      const pair = current.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) return lastKey;
      lastKey = pair.key as Node;
      current = pair.value;
    } else if (isSeq(current) && typeof segment === 'number') {
      current = current.items[segment];
      lastKey = current as Node;
    } else {
      return lastKey;
    }
  }
  // The key's line, not the value's: a nested map starts on the line after its key.
  return lastKey ?? (current as Node | undefined);
}
