/**
 * A configuration problem: stops the start-up (or a reload) with the file, the path in it and the
 * reason, e.g. `config/gateway.yaml:42 accounts.AC1.credentials[0].password: plaintext is refused`.
 */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${file}${line ? `:${line}` : ''} ${path || '(root)'}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Joins a dotted config path: keys with dots or brackets are quoted so the path stays readable. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safe = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${safe}` : safe;
}
