#!/usr/bin/env node
import 'reflect-metadata';
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { ConfigError, hashPassword } from '@graine/core';
import { metricsFromPrimary, runClusterPrimary } from './cluster.js';
import { startGateway } from './gateway.js';
import { createLogger } from './logger.js';

const USAGE = `Usage:
  graine-gateway start [--config <file>] [--workers N]
                                             serve hooks (default command); N worker processes share the port
  graine-gateway hash-password               read a password on stdin, print its scrypt hash for the config
  graine-gateway check-config [--config <file>]  validate a config file and exit`;

async function main(argv: string[]): Promise<number> {
  const [command = 'start', ...rest] = argv[0]?.startsWith('-') ? ['start', ...argv] : argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string', short: 'c' },
      workers: { type: 'string', short: 'w' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'start': {
      const workers = values.workers === undefined ? 1 : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1) {
        console.error(`--workers must be a whole number of at least 1, not "${values.workers}"`);
        return 2;
      }
      if (workers > 1 && cluster.isPrimary) return runClusterPrimary(workers, createLogger().child({ role: 'primary' }));
      return start(values.config);
    }
    case 'check-config':
      return checkConfig(values.config);
    case 'hash-password':
      return printPasswordHash();
    default:
      console.error(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

async function start(configFile: string | undefined): Promise<number> {
  // Listen for SIGTERM/SIGINT before listening on the port: a signal that arrives while the gateway
  // starts must still end in a graceful stop, not in the default abrupt exit.
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = () => requestStop();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const worker = cluster.worker;
  try {
    const gateway = await startGateway({
      ...(configFile && { configFile }),
      ...(worker && { logger: createLogger().child({ worker: worker.id, pid: process.pid }), metricsSource: metricsFromPrimary }),
    });
    // SIGHUP reloads the config and the plugins beside the serving generation (README: hot reload).
    const onHangup = () => void gateway.reload('sighup');
    process.on('SIGHUP', onHangup);
    await stopRequested;
    process.off('SIGHUP', onHangup);
    await gateway.stop();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  // A worker's channel to the primary would keep it alive after the gateway stopped.
  worker?.disconnect();
  return 0;
}

async function checkConfig(configFile: string | undefined): Promise<number> {
  // Any free ports: checking a config must work next to the gateway that serves it.
  const gateway = await startGateway({ ...(configFile && { configFile }), port: 0, host: '127.0.0.1', env: { ...process.env, ADMIN_PORT: '0' } });
  await gateway.stop();
  console.log('config is valid');
  return 0;
}

/** The password is read from stdin so that it never appears in the process list or shell history. */
async function printPasswordHash(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') {
    console.error('hash-password: give the password on stdin, e.g. `printf %s "$PASSWORD" | graine-gateway hash-password`');
    return 2;
  }
  console.log(await hashPassword(password));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`config error: ${error.message}`);
    else console.error(`graine-gateway: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    cluster.worker?.disconnect();
  },
);
