import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import type { Clock } from '@graine/sdk';
import {
  buildRuntime,
  DEFAULT_DEADLINE_MS,
  CallAffinity,
  discoverPlugins,
  GatewayMetrics,
  HookReporter,
  loadConfigFile,
  PluginCacheStore,
  PluginHttpClients,
  PluginMetricsRegistry,
  reportResilienceToMetrics,
  ResilienceServices,
  RuntimeHolder,
  StatusForwarder,
  statusForwardingOptions,
  type GatewayLogger,
  type LoadedConfig,
  type PluginCatalog,
  type PluginServiceProvider,
} from '@graine/core';
import { createApp } from './app.js';
import { answerUnparsableRequest } from './client-errors.js';
import { ResponseTracker } from './response-tracker.js';
import { createAdminApp, type MetricsSource, type Readiness } from './health-and-metrics.js';
import { createLogger, hookLineLogger } from './logger.js';
import { DEFAULT_CONFIG_FILE, WORKSPACE_PLUGINS } from './paths.js';
import { ConfigReloader, type ReloadOutcome, type ReloadTrigger } from './config-reloader.js';
import { PluginContainers } from './plugin-containers.js';
import { installStrayErrorHandlers, PluginFaultLog } from './plugin-fault-guard.js';
import { Tokens } from './tokens.js';

export interface GatewayOptions {
  /** Defaults to GATEWAY_CONFIG, then config/gateway.yaml. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  logger?: GatewayLogger;
  /** Override the config's listen address (PORT and HOST in env do the same). */
  host?: string;
  port?: number;
  /** Where /metrics reads from; defaults to this process's registry (a cluster worker asks the primary). */
  metricsSource?: (metrics: GatewayMetrics) => MetricsSource;
  /** The clock plugins receive (tests move it); defaults to the system clock. */
  pluginClock?: Clock;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  runtimes: RuntimeHolder;
  metrics: GatewayMetrics;
  /** The admin listener (/metrics, /healthz, /readyz) when server.admin is configured. */
  adminUrl?: string;
  /** The call-status queues: their stats() are what metrics read. */
  statusForwarder: StatusForwarder;
  /**
   * Builds the next generation from the config file and the plugins on disk and swaps it in; in-flight
   * hooks finish on theirs. A failed reload keeps the serving generation and resolves with the reason.
   */
  reload(trigger?: ReloadTrigger): Promise<ReloadOutcome>;
  /** Stops accepting, lets in-flight hooks finish (bounded by server.shutdownGraceMs), then releases everything. */
  stop(): Promise<void>;
}

/**
 * The composition root: the one place where services are registered and wired. Throws ConfigError
 * before listening when the config is invalid.
 */
export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const configFile = resolve(options.configFile ?? env.GATEWAY_CONFIG ?? DEFAULT_CONFIG_FILE);
  const container = rootContainer.createChildContainer();
  container.register(Tokens.Logger, { useValue: options.logger ?? createLogger() });
  container.register(Tokens.PluginServices, { useFactory: (c) => new PluginContainers(c) });
  container.register(Tokens.PluginCache, { useValue: new PluginCacheStore() });
  container.register(Tokens.PluginHttp, { useValue: new PluginHttpClients() });
  if (options.pluginClock) container.register(Tokens.Clock, { useValue: options.pluginClock });
  const logger = container.resolve<GatewayLogger>(Tokens.Logger);

  const loaded = await loadConfigFile(configFile, env);
  container.register(Tokens.Metrics, { useValue: new GatewayMetrics(loaded.config.metrics) });
  const metrics = container.resolve<GatewayMetrics>(Tokens.Metrics);
  container.register(Tokens.PluginMetrics, { useValue: new PluginMetricsRegistry(metrics.registry, logger) });
  container.register(Tokens.PluginFaults, {
    useValue: new PluginFaultLog(logger, container.resolve<PluginMetricsRegistry>(Tokens.PluginMetrics)),
  });
  const pluginHttp = container.resolve<PluginHttpClients>(Tokens.PluginHttp);
  // Breakers and the answer cache outlive config generations: a reload keeps an open breaker open.
  const resilience = new ResilienceServices({
    ...(loaded.config.server?.breakerIdleMs !== undefined && { breakerIdleMs: loaded.config.server.breakerIdleMs }),
    ...(loaded.config.server?.cacheMaxBytes !== undefined && { cacheMaxBytes: loaded.config.server.cacheMaxBytes }),
  });
  reportResilienceToMetrics(resilience.events, metrics);
  const runtimeDependencies = {
    resilience,
    pluginServices: container.resolve<PluginServiceProvider>(Tokens.PluginServices),
    logger,
    metrics,
    pluginFaults: container.resolve<PluginFaultLog>(Tokens.PluginFaults),
  };
  /** One generation: plugins discovered afresh (a rebuilt plugin is imported anew), routes and plugin instances. */
  const buildGeneration = async (config: LoadedConfig, generation: number) => {
    const plugins = await discoverPlugins(pluginDirectories(config));
    const built = await buildRuntime(config, { ...runtimeDependencies, plugins, generation });
    return { runtime: built, loaded: config, watchedPaths: pluginBuildFolders(plugins) };
  };
  const first = await buildGeneration(loaded, 1).catch((error: unknown) => {
    metrics.close();
    pluginHttp.destroy();
    resilience.shutdown();
    throw error;
  });
  const runtime = first.runtime;
  metrics.configReload('initial', runtime.generation, loaded.config.defaults?.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const runtimes = new RuntimeHolder(runtime);
  const removeStrayErrorHandlers = installStrayErrorHandlers();
  const reloader = new ConfigReloader({
    runtimes,
    buildGeneration: async (generation) => buildGeneration(await loadConfigFile(configFile, env), generation),
    logger,
    observer: metrics,
    defaultDeadlineMs: (config) => config.config.defaults?.deadlineMs ?? DEFAULT_DEADLINE_MS,
  });
  if (loaded.config.reload?.watch) reloader.watch(loaded.file, first.watchedPaths, loaded.config.reload.debounceMs ?? 300);
  const serverConfig = loaded.config.server ?? {};
  const statusForwarder = new StatusForwarder(statusForwardingOptions(loaded.config.statusForwarding), logger);
  metrics.statusQueuesFrom(() => statusForwarder.stats());
  const wholeCall = { affinity: new CallAffinity(), statusForwarder };
  if (runtime.wholeCall.tokens.usesProcessSecret) {
    logger.warn({}, 'server.routeTokenSecret is not set: rewritten hooks of calls in progress will not survive a restart');
  }
  let draining = false;
  const readiness: Readiness = { state: () => (draining ? 'draining' : 'ready') };
  const metricsSource = options.metricsSource?.(metrics) ?? (() => metrics.exposition());
  const app = createApp({
    runtimes,
    logger,
    bodyLimitBytes: serverConfig.bodyLimitBytes ?? 1024 * 1024,
    hooks: new HookReporter(hookLineLogger(logger), metrics, loaded.config.logging),
    readiness,
    wholeCall,
    // With an admin listener, /metrics is not exposed with the hooks.
    ...(!serverConfig.admin && { metrics: metricsSource }),
  });

  app.use(async (ctx, next) => {
    await next();
    // While draining, keep-alive sockets are closed after their current response.
    if (draining) ctx.set('connection', 'close');
  });
  const server = createServer(app.callback());
  server.on('clientError', answerUnparsableRequest);
  const responses = new ResponseTracker(server);
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? env.HOST ?? serverConfig.host ?? '127.0.0.1';
  const port = options.port ?? (env.PORT !== undefined ? Number(env.PORT) : (serverConfig.port ?? 3000));
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  }).catch(async (error: unknown) => {
    // A busy port: release what was built for serving, then report.
    reloader.close();
    removeStrayErrorHandlers();
    await runtimes.dispose();
    pluginHttp.destroy();
    metrics.close();
    throw error;
  });
  const address = server.address() as AddressInfo;
  const url = httpUrl(address);
  const adminServer = serverConfig.admin && createServer(createAdminApp(readiness, metricsSource).callback());
  const admin =
    adminServer &&
    (await listen(adminServer, env.ADMIN_PORT !== undefined ? Number(env.ADMIN_PORT) : serverConfig.admin!.port, serverConfig.admin!.host ?? '127.0.0.1'));
  const adminUrl = admin && httpUrl(admin.address() as AddressInfo);
  logger.info(
    { url, ...(adminUrl && { admin_url: adminUrl }), config: loaded.file, accounts: runtime.routes.accountCount, generation: runtime.generation },
    'gateway listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      reloader.close();
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeIdleConnections();
      const finished = await runtimes.waitForIdle(serverConfig.shutdownGraceMs ?? 10_000);
      if (!finished) logger.warn({ in_flight: runtimes.inFlightCount }, 'shutdown grace period over; closing remaining connections');
      else await responses.waitUntilAnswered(1000);
      server.closeAllConnections();
      await closed;
      // Status events already answered 200 get a bounded time to reach their sinks.
      if (!(await statusForwarder.drain())) logger.warn({ queues: statusForwarder.stats() }, 'status queues not drained in time; remaining events dropped');
      await runtimes.dispose();
      resilience.shutdown();
      removeStrayErrorHandlers();
      pluginHttp.destroy();
      if (admin) {
        admin.closeAllConnections();
        await new Promise<void>((resolveClose) => admin.close(() => resolveClose()));
      }
      metrics.close();
      logger.info({}, 'gateway stopped');
    })();
    return stopping;
  };
  const reload = (trigger: ReloadTrigger = 'manual') => reloader.reload(trigger);
  return { url, port: address.port, server, runtimes, metrics, statusForwarder, ...(adminUrl && { adminUrl }), reload, stop };
}

async function listen(server: Server, port: number, host: string): Promise<Server> {
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  return server;
}

function httpUrl(address: AddressInfo): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** The workspace's plugins/ folder, then the config's extra folders (relative to the config file). */
function pluginDirectories(loaded: LoadedConfig): string[] {
  const base = dirname(loaded.file);
  return [WORKSPACE_PLUGINS, ...(loaded.config.plugins?.directories ?? []).map((directory) => resolve(base, directory))];
}

/** The build folders of the plugins a generation loaded: a rebuild there triggers a reload when watching. */
function pluginBuildFolders(catalog: PluginCatalog): string[] {
  return [...new Set([...catalog.plugins.values()].map((plugin) => dirname(plugin.package.entry)))];
}
