import { pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import type { PluginDefinition, PluginRoute } from '@graine/sdk';
import { Authenticator } from '../auth/authenticator.js';
import { environmentCredential, scryptCredential, type CompiledCredential, type Principal } from '../auth/credential.js';
import { isScryptHash } from '../auth/password-hash.js';
import { ConfigError, joinPath } from '../config/errors.js';
import { compileWholeCallRuntime } from '../follow-up/whole-call-runtime.js';
import { compileCachePolicy } from '../cache/cache-policy.js';
import type { BreakerConfig, CredentialConfig, FallbackConfig, LoadedConfig, TargetConfig } from '../config/types.js';
import { BUILT_IN_FALLBACK, compileFallbackLevel, FallbackConfigProblem, type FallbackLists } from '../fallback/merge-fallback-verbs.js';
import { DEFAULT_BREAKER_SETTINGS, type BreakerSettings } from '../resilience/breaker-registry.js';
import { reportResilienceToMetrics } from '../resilience/resilience-metrics.js';
import { ResilienceServices } from '../resilience/resilience-services.js';
import type { GatewayLogger } from '../logging.js';
import type { GatewayMetrics } from '../observability/gateway-metrics.js';
import { problemConcerns, type PluginCatalog } from '../plugins/plugin-catalog.js';
import type { PluginServiceProvider } from '../plugins/plugin-services.js';
import { registerUnscopedPlugin, type PluginFaultSink } from '../plugins/plugin-call-scope.js';
import { DEFAULT_SETUP_TIMEOUT_MS, setUpPlugin } from '../plugins/plugin-setup.js';
import { PluginTarget } from '../plugins/plugin-target.js';
import type { Route } from '../routing/route.js';
import { RoutingTable, type CompiledAccount } from '../routing/routing-table.js';
import type { Target } from '../targets/target.js';
import { UpstreamAgents } from '../targets/upstream-agents.js';
import { UpstreamTarget } from '../targets/upstream-target.js';
import { GatewayRuntime } from './gateway-runtime.js';

export const DEFAULT_DEADLINE_MS = 8000;
const CREDENTIAL_CACHE_TTL_MS = 10 * 60 * 1000;

export interface RuntimeDependencies {
  plugins: PluginCatalog;
  pluginServices: PluginServiceProvider;
  logger: GatewayLogger;
  generation: number;
  /** Where targets report upstream requests; absent in tests that do not look at metrics. */
  metrics?: GatewayMetrics;
  /** Told about errors that escape plugin code; the default logs them. */
  pluginFaults?: PluginFaultSink;
  /** Breakers, cache and their events, when they should outlive this generation; else the runtime owns its own. */
  resilience?: ResilienceServices;
}

/**
 * Compiles a loaded config into everything the hot path needs: the routing table, credential
 * verifiers, one got instance per upstream and one plugin instance per plugin route. Throws ConfigError.
 */
export async function buildRuntime(loaded: LoadedConfig, dependencies: RuntimeDependencies): Promise<GatewayRuntime> {
  const compiler = new RuntimeCompiler(loaded, dependencies);
  try {
    return await compiler.compile();
  } catch (error) {
    await compiler.disposeTargets();
    throw error;
  }
}

class RuntimeCompiler {
  private readonly config: LoadedConfig['config'];
  private readonly agents = new UpstreamAgents();
  private readonly upstreamTargets = new Map<string, UpstreamTarget>();
  private readonly pluginTargets: PluginTarget[] = [];
  private readonly optionValidators = new Map<PluginDefinition<any, any>, ValidateFunction>();
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  /** Breaker key per target: one breaker per upstream, one per plugin instance. */
  private readonly breakerKeys = new Map<Target, string>();
  private readonly resilience: ResilienceServices;
  private readonly ownsResilience: boolean;

  constructor(
    private readonly loaded: LoadedConfig,
    private readonly dependencies: RuntimeDependencies,
  ) {
    this.config = loaded.config;
    this.ownsResilience = dependencies.resilience === undefined;
    this.resilience =
      dependencies.resilience ??
      new ResilienceServices({
        ...(loaded.config.server?.breakerIdleMs !== undefined && { breakerIdleMs: loaded.config.server.breakerIdleMs }),
        ...(loaded.config.server?.cacheMaxBytes !== undefined && { cacheMaxBytes: loaded.config.server.cacheMaxBytes }),
      });
    if (this.ownsResilience && dependencies.metrics) reportResilienceToMetrics(this.resilience.events, dependencies.metrics);
  }

  async compile(): Promise<GatewayRuntime> {
    this.warnAboutUnusedBrokenPlugins();
    const credentials = new Map<string, CompiledCredential[]>();
    const applicationOwners = new Map<string, string>();
    const accounts = new Map<string, CompiledAccount>();
    const defaults = this.config.defaults ?? {};
    const globalTarget = defaults.target
      ? await this.compileTarget(defaults.target, 'defaults.target', { account_sid: '*' })
      : undefined;
    const globalDeadline = defaults.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const globalFallback = this.fallbackLevel(BUILT_IN_FALLBACK, defaults.fallback, 'defaults.fallback');
    const globalBreaker = mergeBreakerSettings(DEFAULT_BREAKER_SETTINGS, defaults.breaker);

    for (const [accountSid, account] of Object.entries(this.config.accounts)) {
      const accountPath = joinPath('accounts', accountSid);
      this.addCredentials(credentials, account.credentials, joinPath(accountPath, 'credentials'), { accountSid });
      const accountTarget = account.target
        ? await this.compileTarget(account.target, joinPath(accountPath, 'target'), { account_sid: accountSid })
        : globalTarget;
      const accountDeadline = account.deadlineMs ?? globalDeadline;
      const accountFallback = this.fallbackLevel(globalFallback, account.fallback, joinPath(accountPath, 'fallback'));
      const accountBreaker = mergeBreakerSettings(globalBreaker, account.breaker);

      const applications = new Map<string, Route>();
      for (const [applicationSid, application] of Object.entries(account.applications ?? {})) {
        const applicationPath = joinPath(joinPath(accountPath, 'applications'), applicationSid);
        const owner = applicationOwners.get(applicationSid);
        if (owner !== undefined) {
          this.fail(applicationPath, `application ${applicationSid} is already configured under account ${owner}`);
        }
        applicationOwners.set(applicationSid, accountSid);
        this.addCredentials(credentials, application.credentials, joinPath(applicationPath, 'credentials'), {
          accountSid,
          applicationSid,
        });
        const target = application.target
          ? await this.compileTarget(application.target, joinPath(applicationPath, 'target'), {
              account_sid: accountSid,
              application_sid: applicationSid,
            })
          : accountTarget;
        const fallback = this.fallbackLevel(accountFallback, application.fallback, joinPath(applicationPath, 'fallback'));
        if (!target) continue;
        applications.set(applicationSid, {
          accountSid,
          applicationSid,
          target,
          deadlineMs: application.deadlineMs ?? accountDeadline,
          initialFallback: fallback.initial,
          midCallFallback: fallback.midCall,
          breaker: this.breakerFor(target, mergeBreakerSettings(accountBreaker, application.breaker)),
          ...(application.cache && { cache: compileCachePolicy(application.cache) }),
        });
      }
      const defaultRoute: Route | undefined = accountTarget && {
        accountSid,
        target: accountTarget,
        deadlineMs: accountDeadline,
        initialFallback: accountFallback.initial,
        midCallFallback: accountFallback.midCall,
        breaker: this.breakerFor(accountTarget, accountBreaker),
      };
      accounts.set(accountSid, { sid: accountSid, applications, ...(defaultRoute && { defaultRoute }) });
    }

    const wholeCall = compileWholeCallRuntime({
      config: this.config,
      upstreamTarget: (name, path) => this.upstreamTarget(name, path),
      fail: (path, reason) => this.fail(path, reason),
    });
    const server = this.config.server ?? {};
    const authenticator = new Authenticator(credentials, {
      cacheSize: server.credentialCacheSize ?? 10_000,
      cacheTtlMs: CREDENTIAL_CACHE_TTL_MS,
    });
    return new GatewayRuntime(this.dependencies.generation, new RoutingTable(accounts, applicationOwners), authenticator, [
      ...this.upstreamTargets.values(),
      ...this.pluginTargets,
    ], this.agents, wholeCall, this.resilience, this.ownsResilience);
  }

  async disposeTargets(): Promise<void> {
    await Promise.allSettled(this.pluginTargets.map((target) => target.dispose()));
    this.agents.destroy();
    if (this.ownsResilience) this.resilience.shutdown();
  }

  /** Validates one level's fallback lists at load; an invalid one stops the start-up with its path. */
  private fallbackLevel(parent: FallbackLists, config: FallbackConfig | undefined, path: string): FallbackLists {
    try {
      return compileFallbackLevel(parent, config);
    } catch (error) {
      if (error instanceof FallbackConfigProblem) this.fail(`${path}.${error.path}`, `invalid fallback: ${error.message}`);
      throw error;
    }
  }

  /** Routes sharing a target and thresholds share its breaker; different thresholds get their own. */
  private breakerFor(target: Target, settings: BreakerSettings): Route['breaker'] {
    const targetKey = this.breakerKeys.get(target) ?? `${target.kind}:${target.name}`;
    const same = Object.entries(settings).every(([name, value]) => DEFAULT_BREAKER_SETTINGS[name as keyof BreakerSettings] === value);
    const key = same ? targetKey : `${targetKey}#${Object.values(settings).join('/')}`;
    return { identity: { key, target: target.name }, settings };
  }

  private addCredentials(
    into: Map<string, CompiledCredential[]>,
    list: CredentialConfig[] | undefined,
    path: string,
    principal: Principal,
  ): void {
    list?.forEach((credential, index) => {
      const passwordPath = joinPath(joinPath(path, index), 'password');
      let compiled: CompiledCredential;
      // A hash is a hash wherever it comes from (operators often keep hashes in the environment too);
      // any other value from the environment is the password itself.
      if (isScryptHash(credential.password)) {
        try {
          compiled = scryptCredential(principal, credential.password);
        } catch (error) {
          this.fail(passwordPath, (error as Error).message);
        }
      } else if (this.loaded.envPaths.has(passwordPath)) {
        compiled = environmentCredential(principal, credential.password);
      } else {
        this.fail(passwordPath, 'plaintext passwords are refused: store an scrypt hash (graine-gateway hash-password) or a ${ENV_VAR} reference');
      }
      const existing = into.get(credential.username);
      if (existing) existing.push(compiled);
      else into.set(credential.username, [compiled]);
    });
  }

  private async compileTarget(target: TargetConfig, path: string, route: PluginRoute): Promise<Target> {
    if ('upstream' in target) return this.upstreamTarget(target.upstream, joinPath(path, 'upstream'));
    return this.pluginTarget(target.plugin, target.options ?? {}, path, route);
  }

  private upstreamTarget(name: string, path: string): UpstreamTarget {
    const existing = this.upstreamTargets.get(name);
    if (existing) return existing;
    const config = this.config.upstreams?.[name];
    if (!config) this.fail(path, `no upstream named "${name}" in upstreams`);
    let target: UpstreamTarget;
    try {
      target = new UpstreamTarget(name, config, this.agents, this.dependencies.metrics, this.resilience.events);
    } catch (error) {
      this.fail(joinPath(joinPath('upstreams', name), 'url'), `invalid upstream: ${(error as Error).message}`);
    }
    this.upstreamTargets.set(name, target);
    return target;
  }

  private async pluginTarget(name: string, options: Record<string, unknown>, path: string, route: PluginRoute): Promise<PluginTarget> {
    const { plugins, problems } = this.dependencies.plugins;
    const loaded = plugins.get(name);
    if (!loaded) {
      const problem = problems.find((candidate) => problemConcerns(candidate, name));
      this.fail(joinPath(path, 'plugin'), problem ? problem.reason : `no plugin named "${name}" in the plugin folders`);
    }
    const definition = loaded.definition;
    const validate = this.optionsValidator(definition, joinPath(path, 'plugin'));
    if (!validate(options)) {
      const error = validate.errors?.[0];
      const where = joinPath(path, 'options') + (error?.instancePath ? error.instancePath.replace(/\//g, '.') : '');
      const detail = error?.keyword === 'additionalProperties'
        ? `unknown option "${String((error.params as { additionalProperty?: string }).additionalProperty)}"`
        : error?.message ?? 'invalid options';
      this.fail(where, `plugin ${name}: ${detail}`);
    }
    const faults = this.dependencies.pluginFaults ?? loggingFaultSink(this.dependencies.logger);
    // The operator may refuse the declaration (`plugins.trustSynchronous: false`): then it is an ordinary plugin.
    const synchronous = definition.synchronous === true && this.config.plugins?.trustSynchronous !== false;
    let handlers;
    try {
      handlers = await setUpPlugin({
        definition,
        options,
        route,
        services: this.dependencies.pluginServices,
        resources: { breakers: this.resilience.breakers },
        faults,
        timeoutMs: this.config.plugins?.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS,
        synchronous,
      });
    } catch (error) {
      this.fail(joinPath(path, 'plugin'), `plugin ${name} setup failed: ${(error as Error).message}`);
    }
    const target = new PluginTarget(name, handlers, {
      route,
      faults,
      ...(this.dependencies.metrics && { observer: this.dependencies.metrics }),
      ...(synchronous && { synchronous, onDispose: registerUnscopedPlugin(`${pathToFileURL(loaded.package.directory).href}/`, name, faults) }),
    });
    this.pluginTargets.push(target);
    this.breakerKeys.set(target, `plugin:${name}:${route.account_sid}:${route.application_sid ?? '*'}`);
    return target;
  }

  private optionsValidator(definition: PluginDefinition<any, any>, path: string): ValidateFunction {
    let validate = this.optionValidators.get(definition);
    if (!validate) {
      try {
        validate = this.ajv.compile(definition.optionsSchema);
      } catch (error) {
        this.fail(path, `plugin ${definition.name} has an invalid options schema: ${(error as Error).message}`);
      }
      this.optionValidators.set(definition, validate);
    }
    return validate;
  }

  private warnAboutUnusedBrokenPlugins(): void {
    for (const problem of this.dependencies.plugins.problems) {
      this.dependencies.logger.warn({ plugin: problem.name, directory: problem.directory, reason: problem.reason }, 'plugin not loaded');
    }
  }

  private fail(path: string, reason: string): never {
    throw new ConfigError(this.loaded.file, path, reason, this.loaded.lineOf(path));
  }
}

function loggingFaultSink(logger: GatewayLogger): PluginFaultSink {
  return {
    strayError: (plugin, route, origin, error) =>
      logger.error({ plugin, ...(route && { account_sid: route.account_sid }), origin, err: error instanceof Error ? error.message : String(error) }, 'error escaped plugin code'),
  };
}

function mergeBreakerSettings(parent: BreakerSettings, own: BreakerConfig | undefined): BreakerSettings {
  if (!own) return parent;
  return {
    errorThresholdPercentage: own.errorThresholdPercentage ?? parent.errorThresholdPercentage,
    volumeThreshold: own.volumeThreshold ?? parent.volumeThreshold,
    rollingWindowMs: own.rollingWindowMs ?? parent.rollingWindowMs,
    resetTimeoutMs: own.resetTimeoutMs ?? parent.resetTimeoutMs,
  };
}
