import type {
  HttpRequest,
  HttpResponse,
  LogFields,
  PluginCache,
  PluginHttpClient,
  PluginLogger,
  PluginMetrics,
} from '../services.js';

export interface RecordedLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A logger that keeps its lines so that a test can assert what the plugin logged. */
export interface RecordingLogger extends PluginLogger {
  lines: RecordedLogLine[];
}

export function createRecordingLogger(): RecordingLogger {
  const lines: RecordedLogLine[] = [];
  const at = (level: RecordedLogLine['level']) => (message: string, fields: LogFields = {}) => {
    lines.push({ level, message, fields });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface RecordedMetric {
  kind: 'increment' | 'observe';
  name: string;
  value: number;
  labels: Record<string, string>;
}

export interface RecordingMetrics extends PluginMetrics {
  recorded: RecordedMetric[];
  /** Sum of the increments of one counter, optionally restricted to a label set. */
  total(name: string, labels?: Record<string, string>): number;
}

export function createRecordingMetrics(): RecordingMetrics {
  const recorded: RecordedMetric[] = [];
  return {
    recorded,
    increment: (name, labels = {}, by = 1) => {
      recorded.push({ kind: 'increment', name, value: by, labels });
    },
    observe: (name, value, labels = {}) => {
      recorded.push({ kind: 'observe', name, value, labels });
    },
    total: (name, labels = {}) =>
      recorded
        .filter((entry) => entry.kind === 'increment' && entry.name === name)
        .filter((entry) => Object.entries(labels).every(([key, value]) => entry.labels[key] === value))
        .reduce((sum, entry) => sum + entry.value, 0),
  };
}

/** An in-memory cache with the gateway's contract; expiry follows the given clock. */
export function createMemoryCache(now: () => number = Date.now): PluginCache {
  const entries = new Map<string, { value: unknown; expires: number }>();
  return {
    get: <T>(key: string) => {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry.value as T;
    },
    set: (key, value, options) => {
      entries.set(key, { value, expires: options?.ttlMs !== undefined ? now() + options.ttlMs : Number.POSITIVE_INFINITY });
    },
    delete: (key) => {
      entries.delete(key);
    },
  };
}

export type FakeHttpHandler = (request: HttpRequest) => Partial<HttpResponse> | Promise<Partial<HttpResponse>>;

/** An HTTP client that answers from a test's handler and records every request; it never touches the network. */
export interface FakeHttpClient extends PluginHttpClient {
  requests: HttpRequest[];
}

export function createFakeHttpClient(handler: FakeHttpHandler = () => ({ statusCode: 404, body: undefined })): FakeHttpClient {
  const requests: HttpRequest[] = [];
  return {
    requests,
    request: async <T>(request: HttpRequest) => {
      requests.push(request);
      const answer = await handler(request);
      return { statusCode: answer.statusCode ?? 200, headers: answer.headers ?? {}, body: answer.body as T };
    },
  };
}
