import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

/** Where servers and load generator run: on different cores when there are at least two and taskset exists. */
export interface Pinning {
  serverCores: string | undefined;
  loadCores: string | undefined;
  description: string;
}

export function choosePinning(): Pinning {
  const cores = availableParallelism();
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  if (cores < 2 || !hasTaskset) {
    return { serverCores: undefined, loadCores: undefined, description: `not pinned (${cores} core(s), taskset ${hasTaskset ? 'present' : 'missing'})` };
  }
  const serverCores = cores >= 4 ? `0-${Math.floor(cores / 2) - 1}` : '0';
  const loadCores = cores >= 4 ? `${Math.floor(cores / 2)}-${cores - 1}` : '1';
  return { serverCores, loadCores, description: `servers on CPU ${serverCores}, load generator on CPU ${loadCores} (taskset)` };
}

export function pinSelf(cores: string | undefined): void {
  if (cores) spawnSync('taskset', ['-cp', cores, String(process.pid)], { stdio: 'ignore' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface StartedProcess {
  child: ChildProcess;
  /** Milliseconds from spawn to the line that says it listens. */
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * Spawns a node process (pinned when asked) and resolves once it prints a line containing `readyText`, or,
 * with `readyUrl`, once that URL answers at all (log levels may hide the listening line).
 */
export async function startProcess(
  args: string[],
  options: { cores: string | undefined; readyText?: string; readyUrl?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<StartedProcess> {
  const command = options.cores ? 'taskset' : process.execPath;
  const commandArgs = options.cores ? ['-c', options.cores, process.execPath, ...args] : args;
  const started = performance.now();
  const child = spawn(command, commandArgs, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const startupMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in time:\n${output}`)), options.timeoutMs ?? 60_000);
    const done = () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (options.readyText !== undefined && output.includes(options.readyText)) done();
    };
    if (options.readyUrl !== undefined) {
      const probe = () => {
        fetch(options.readyUrl!)
          .then((response) => response.arrayBuffer())
          .then(done, () => setTimeout(probe, 10));
      };
      probe();
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
  // Keep draining output so a chatty process never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    startupMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Peak resident set size of a process (VmHWM), in megabytes; the child may be taskset's exec'd node. */
export function peakRssMb(pid: number): number | undefined {
  return procStatusMb(pid, 'VmHWM');
}

/** Resident set size now (VmRSS), in megabytes. */
export function currentRssMb(pid: number): number | undefined {
  return procStatusMb(pid, 'VmRSS');
}

function procStatusMb(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
