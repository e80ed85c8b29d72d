import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { ConfigError, silentLogger } from '@graine/core';
import type { Clock } from '@graine/sdk';
import { createLogger, startGateway, type RunningGateway } from '@graine/server';

/** A gateway started on 127.0.0.1 with a config written for the test, and every log line it wrote. */
export interface TestGateway extends RunningGateway {
  configFile: string;
  /** Parsed JSON log lines, in order. */
  logs: Array<Record<string, unknown>>;
  /** The raw text of every log line, to search for secrets. */
  rawLogs(): string;
}

export interface TestGatewayOptions {
  env?: NodeJS.ProcessEnv;
  /** File name inside the temporary folder (its extension does not matter to the loader). */
  fileName?: string;
  /** The clock plugins receive, so a test can move time. */
  pluginClock?: Clock;
}

/**
 * Starts a real gateway over loopback. `config` is an object (written as JSON, which is YAML) or YAML text.
 * Callers must `await gateway.stop()` (use `after`/`afterEach`).
 */
export async function startTestGateway(config: object | string, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const directory = await mkdtemp(join(tmpdir(), 'graine-gateway-test-'));
  const configFile = join(directory, options.fileName ?? 'gateway.yaml');
  await writeFile(configFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const gateway = await startGateway({
    configFile,
    env: { ...options.env },
    logger,
    host: '127.0.0.1',
    port: 0,
    ...(options.pluginClock && { pluginClock: options.pluginClock }),
  });
  return {
    ...gateway,
    configFile,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    rawLogs: () => lines.join('\n'),
    stop: async () => {
      await gateway.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Writes a config file without starting anything, for tests of config errors. */
export async function writeTempConfig(config: object | string, fileName = 'gateway.yaml'): Promise<{ file: string; cleanup(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'graine-gateway-config-'));
  const file = join(directory, fileName);
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  return { file, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

/** Starts a gateway on the given config and returns the ConfigError it must refuse with (and the file it read). */
export async function expectConfigRefusal(config: object | string, env: NodeJS.ProcessEnv = {}): Promise<{ error: ConfigError; file: string }> {
  const { file, cleanup } = await writeTempConfig(config);
  try {
    const gateway = await startGateway({ configFile: file, env, port: 0, host: '127.0.0.1', logger: silentLogger });
    await gateway.stop();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(ConfigError);
    return { error: error as ConfigError, file };
  } finally {
    await cleanup();
  }
  throw new Error('the gateway started on an invalid config');
}
