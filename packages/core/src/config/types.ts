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
}

export type TargetConfig = { upstream: string } | { plugin: string; options?: Record<string, unknown> };

export interface ApplicationConfig {
  name?: string;
  credentials?: CredentialConfig[];
  target?: TargetConfig;
  deadlineMs?: number;
}

export interface AccountConfig {
  name?: string;
  credentials?: CredentialConfig[];
  target?: TargetConfig;
  deadlineMs?: number;
  applications?: Record<string, ApplicationConfig>;
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
  };
  metrics?: { targetLabels?: number; accountLabels?: number; rebalanceIntervalMs?: number; defaultMetrics?: boolean };
  logging?: { maskPhoneNumbers?: boolean };
  plugins?: { directories?: string[] };
  upstreams?: Record<string, UpstreamConfig>;
  defaults?: { target?: TargetConfig; deadlineMs?: number };
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
