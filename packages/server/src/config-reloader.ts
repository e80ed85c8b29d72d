import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { GatewayLogger, GatewayRuntime, LoadedConfig, RuntimeHolder } from '@graine/core';

export type ReloadTrigger = 'sighup' | 'config_changed' | 'plugin_changed' | 'manual';

export type ReloadOutcome = { ok: true; generation: number } | { ok: false; generation: number; reason: string };

/** Where reloads are counted (GatewayMetrics.configReload fits). */
export interface ReloadObserver {
  configReload(result: 'success' | 'failure', generation: number, defaultDeadlineMs?: number): void;
}

export interface ConfigReloaderOptions {
  runtimes: RuntimeHolder;
  /** Reads the config file and builds the next generation beside the serving one; throws on any problem. */
  buildGeneration(generation: number): Promise<{ runtime: GatewayRuntime; loaded: LoadedConfig; watchedPaths: string[] }>;
  logger: GatewayLogger;
  observer: ReloadObserver;
  defaultDeadlineMs(loaded: LoadedConfig): number;
}

/**
 * Builds a new generation (config, routes, plugin instances) beside the serving one and swaps it in
 * atomically. Hooks in flight finish on the generation they started with; the old generation is
 * disposed (plugins' dispose included) once its last hook is done. A reload that fails changes nothing
 * and says why. Reloads never overlap: a request during a reload runs once more after it.
 */
export class ConfigReloader {
  private running: Promise<ReloadOutcome> | undefined;
  private queued: Promise<ReloadOutcome> | undefined;
  private watchers: FSWatcher[] = [];
  private watching: { configFile: string; folders: readonly string[]; debounceMs: number } | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private pendingTrigger: ReloadTrigger = 'config_changed';
  private closed = false;

  constructor(private readonly options: ConfigReloaderOptions) {}

  reload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    if (this.queued) return this.queued;
    if (this.running) {
      this.queued = this.running.then(() => {
        this.queued = undefined;
        return this.reload(trigger);
      });
      return this.queued;
    }
    this.running = this.runReload(trigger).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Watches the config file and the plugins' build folders; a burst of changes (a build writes many
   * files, an editor writes twice) becomes one reload after `debounceMs` of quiet.
   */
  watch(configFile: string, pluginBuildFolders: readonly string[], debounceMs: number): void {
    this.unwatch();
    if (this.closed) return;
    this.watching = { configFile, folders: pluginBuildFolders, debounceMs };
    // Editors often replace a file (write a copy, rename it over): watch the folder, filter by name.
    const configName = basename(configFile);
    this.add(dirname(configFile), false, (filename) => filename === configName, 'config_changed');
    for (const folder of pluginBuildFolders) this.add(folder, true, () => true, 'plugin_changed');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounceTimer);
    this.unwatch();
  }

  private changed(trigger: ReloadTrigger): void {
    if (!this.watching) return;
    this.pendingTrigger = trigger;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.reload(this.pendingTrigger), this.watching.debounceMs);
    this.debounceTimer.unref();
  }

  private add(path: string, recursive: boolean, accept: (filename: string) => boolean, trigger: ReloadTrigger): void {
    try {
      const watcher = watch(path, { recursive, persistent: false }, (_event, filename) => {
        if (filename === null || accept(String(filename))) this.changed(trigger);
      });
      watcher.on('error', (error) => this.options.logger.warn({ path, err: error.message }, 'stopped watching a folder for reloads'));
      this.watchers.push(watcher);
    } catch (error) {
      this.options.logger.warn({ path, err: (error as Error).message }, 'cannot watch a folder for reloads');
    }
  }

  private unwatch(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    this.watching = undefined;
  }

  private async runReload(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const { runtimes, logger, observer } = this.options;
    const serving = runtimes.current.generation;
    const generation = serving + 1;
    try {
      const { runtime, loaded, watchedPaths } = await this.options.buildGeneration(generation);
      if (this.closed) {
        await runtime.dispose();
        return { ok: false, generation: serving, reason: 'the gateway is stopping' };
      }
      runtimes.swap(runtime);
      observer.configReload('success', generation, this.options.defaultDeadlineMs(loaded));
      logger.info({ trigger, generation, previous_generation: serving, accounts: runtime.routes.accountCount }, 'config reloaded');
      // The new generation may load plugins from other folders: watch what it uses now.
      if (this.watching) this.watch(this.watching.configFile, watchedPaths, this.watching.debounceMs);
      return { ok: true, generation };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      observer.configReload('failure', serving);
      logger.error({ trigger, generation: serving, reason }, 'config reload failed; the previous generation keeps serving');
      return { ok: false, generation: serving, reason };
    }
  }
}
