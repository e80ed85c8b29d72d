/**
 * The services a plugin may ask for, by reference (the Backstage way): a plugin lists the refs it
 * needs in `deps`, and the gateway hands it instances already scoped to that plugin and tenant.
 * The refs are plain symbols so that plugins need no DI library of their own.
 */

export interface ServiceRef<T> {
  readonly id: symbol;
  readonly name: string;
  /** Phantom field that carries the service's type; never set at run time. */
  readonly __type?: T;
}

export function createServiceRef<T>(name: string): ServiceRef<T> {
  return { id: Symbol.for(`graine.sdk.service.${name}`), name };
}

export type LogFields = Record<string, unknown>;

/** A logger bound to the plugin and tenant; every line already carries `plugin`, `account_sid`, `application_sid`. */
export interface PluginLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  searchParams?: Record<string, string | number | boolean>;
  json?: unknown;
  /** Cut to what remains of the hook's deadline, whichever is shorter. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse<T = unknown> {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** An HTTP client whose calls go through the gateway's deadline and circuit-breaker machinery. */
export interface PluginHttpClient {
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
}

/** A cache namespaced to the plugin and tenant: two plugins, or two tenants, never see each other's keys. */
export interface PluginCache {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown, options?: { ttlMs?: number }): void;
  delete(key: string): void;
}

/** Metrics whose series carry the plugin's name; label values must stay few (no call ids, no numbers). */
export interface PluginMetrics {
  increment(name: string, labels?: Record<string, string>, by?: number): void;
  observe(name: string, value: number, labels?: Record<string, string>): void;
}

/** Time, injectable so that tests can move it. */
export interface Clock {
  now(): Date;
}

export const services = {
  logger: createServiceRef<PluginLogger>('logger'),
  httpClient: createServiceRef<PluginHttpClient>('httpClient'),
  cache: createServiceRef<PluginCache>('cache'),
  metrics: createServiceRef<PluginMetrics>('metrics'),
  clock: createServiceRef<Clock>('clock'),
} as const;
