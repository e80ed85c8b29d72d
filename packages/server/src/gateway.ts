import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import {
  BasicPluginServices,
  buildRuntime,
  discoverPlugins,
  loadConfigFile,
  RuntimeHolder,
  type GatewayLogger,
  type LoadedConfig,
  type PluginServiceProvider,
} from '@graine/core';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { DEFAULT_CONFIG_FILE, WORKSPACE_PLUGINS } from './paths.js';
import { Tokens } from './tokens.js';

export interface GatewayOptions {
  /** Defaults to GATEWAY_CONFIG, then config/gateway.yaml. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  logger?: GatewayLogger;
  /** Override the config's listen address (PORT and HOST in env do the same). */
  host?: string;
  port?: number;
}

export interface RunningGateway {
  url: string;
  port: number;
  server: Server;
  runtimes: RuntimeHolder;
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
  container.register(Tokens.PluginServices, {
    useFactory: (c) => new BasicPluginServices(c.resolve<GatewayLogger>(Tokens.Logger)),
  });
  const logger = container.resolve<GatewayLogger>(Tokens.Logger);

  const loaded = await loadConfigFile(configFile, env);
  const runtime = await buildRuntime(loaded, {
    plugins: await discoverPlugins(pluginDirectories(loaded)),
    pluginServices: container.resolve<PluginServiceProvider>(Tokens.PluginServices),
    logger,
    generation: 1,
  });
  const runtimes = new RuntimeHolder(runtime);
  const serverConfig = loaded.config.server ?? {};
  const app = createApp({ runtimes, logger, bodyLimitBytes: serverConfig.bodyLimitBytes ?? 1024 * 1024 });

  let draining = false;
  app.use(async (ctx, next) => {
    await next();
    // While draining, keep-alive sockets are closed after their current response.
    if (draining) ctx.set('connection', 'close');
  });
  const server = createServer(app.callback());
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? env.HOST ?? serverConfig.host ?? '127.0.0.1';
  const port = options.port ?? (env.PORT !== undefined ? Number(env.PORT) : (serverConfig.port ?? 3000));
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info(
    { url, config: loaded.file, accounts: runtime.routes.accountCount, generation: runtime.generation },
    'gateway listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      draining = true;
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeIdleConnections();
      const finished = await runtimes.waitForIdle(serverConfig.shutdownGraceMs ?? 10_000);
      if (!finished) logger.warn({ in_flight: runtimes.inFlightCount }, 'shutdown grace period over; closing remaining connections');
      server.closeAllConnections();
      await closed;
      await runtimes.dispose();
      logger.info({}, 'gateway stopped');
    })();
    return stopping;
  };
  return { url, port: address.port, server, runtimes, stop };
}

/** The workspace's plugins/ folder, then the config's extra folders (relative to the config file). */
function pluginDirectories(loaded: LoadedConfig): string[] {
  const base = dirname(loaded.file);
  return [WORKSPACE_PLUGINS, ...(loaded.config.plugins?.directories ?? []).map((directory) => resolve(base, directory))];
}
