/** The configuration as written in YAML, after schema validation. Mirrors gateway.schema.json. */

export interface CredentialConfig {
  username: string;
  password: string;
}

export interface UpstreamConfig {
  url: string;
  method?: 'GET' | 'POST';
  auth?: { username: string; password: string };
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Sign forwarded hooks with the tenant's newest signature secret. */
  signRequests?: boolean;
  maxBodyBytes?: number;
}

/** Verification of the platform's webhook signature for one account (protocol §3). */
export interface SignatureConfig {
  secrets: string[];
  header?: string;
  toleranceSeconds?: number;
  acceptUnsignedGet?: boolean;
}

export interface StatusForwardingConfig {
  queueSize?: number;
  retries?: number;
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  drainMs?: number;
}

export type TargetConfig = { upstream: string } | { plugin: string; options?: Record<string, unknown> };

/** Fallback verbs of one level (global, account, application); verbs are checked at load. */
export interface FallbackConfig {
  merge?: 'replace' | 'prepend' | 'append';
  initial?: unknown[];
  midCall?: unknown[];
}

export interface BreakerConfig {
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  rollingWindowMs?: number;
  resetTimeoutMs?: number;
}

export interface CacheConfig {
  ttlMs: number;
  vary?: string[];
  staleIfErrorMs?: number;
  hooks?: Array<'call' | 'action'>;
}

export interface ApplicationConfig {
  name?: string;
  credentials?: CredentialConfig[];
  target?: TargetConfig;
  deadlineMs?: number;
  statusUpstream?: string;
  fallback?: FallbackConfig;
  breaker?: BreakerConfig;
  cache?: CacheConfig;
}

export interface AccountConfig {
  name?: string;
  credentials?: CredentialConfig[];
  target?: TargetConfig;
  deadlineMs?: number;
  fallback?: FallbackConfig;
  breaker?: BreakerConfig;
  applications?: Record<string, ApplicationConfig>;
  statusUpstream?: string;
  routeAbsoluteHooks?: boolean;
  signature?: SignatureConfig;
}

export interface GatewayConfig {
  server?: {
    host?: string;
    port?: number;
    publicBaseUrl?: string;
    bodyLimitBytes?: number;
    shutdownGraceMs?: number;
    credentialCacheSize?: number;
    /** A second listener for /metrics and health, so metrics are not exposed with the hooks. */
    admin?: { host?: string; port: number };
    routeTokenSecret?: string;
    breakerIdleMs?: number;
    cacheMaxBytes?: number;
  };
  metrics?: { targetLabels?: number; accountLabels?: number; rebalanceIntervalMs?: number; defaultMetrics?: boolean };
  logging?: { maskPhoneNumbers?: boolean };
  plugins?: { directories?: string[]; setupTimeoutMs?: number; trustSynchronous?: boolean };
  reload?: { watch?: boolean; debounceMs?: number };
  upstreams?: Record<string, UpstreamConfig>;
  statusForwarding?: StatusForwardingConfig;
  defaults?: { target?: TargetConfig; deadlineMs?: number; fallback?: FallbackConfig; breaker?: BreakerConfig };
  accounts: Record<string, AccountConfig>;
}

/** A config file once read: the values, where they came from, and which strings came from the environment. */
export interface LoadedConfig {
  file: string;
  config: GatewayConfig;
  /** Dotted paths (as in error messages) whose value was a `${VAR}` reference. */
  envPaths: ReadonlySet<string>;
  /** Line number of a dotted path in the file, for error messages; undefined when unknown. */
  lineOf(path: string): number | undefined;
}
