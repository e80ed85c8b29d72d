import { readdir, readFile, stat } from 'node:fs/promises';
import { register } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SDK_API_VERSION, type PluginDefinition } from '@graine/sdk';

/** A plugin package found on disk, before it is imported. */
export interface PluginPackage {
  name: string;
  directory: string;
  entry: string;
}

export interface LoadedPlugin {
  package: PluginPackage;
  definition: PluginDefinition<any, any>;
}

/** A plugin that could not be loaded; an error only if a route uses it (issue: warn otherwise). */
export interface PluginProblem {
  name: string;
  directory: string;
  reason: string;
}

export interface PluginCatalog {
  plugins: ReadonlyMap<string, LoadedPlugin>;
  problems: readonly PluginProblem[];
}

/**
 * Finds plugin packages by convention: a folder with a package.json whose `graine.plugin` is true.
 * Nothing in the gateway imports a plugin by name.
 */
export async function discoverPlugins(directories: readonly string[]): Promise<PluginCatalog> {
  const plugins = new Map<string, LoadedPlugin>();
  const problems: PluginProblem[] = [];
  for (const pluginPackage of await findPluginPackages(directories)) {
    const loaded = await importPlugin(pluginPackage).catch((error: Error) => error);
    if (loaded instanceof Error) {
      const name = loaded instanceof PluginLoadError && loaded.pluginName ? loaded.pluginName : pluginPackage.name;
      problems.push({ name, directory: pluginPackage.directory, reason: loaded.message });
      continue;
    }
    const name = loaded.definition.name;
    const existing = plugins.get(name);
    if (existing) {
      problems.push({
        name,
        directory: pluginPackage.directory,
        reason: `two plugins are named "${name}": ${existing.package.directory} and ${pluginPackage.directory}`,
      });
      plugins.delete(name);
      continue;
    }
    if (problems.some((problem) => problem.name === name && problem.reason.startsWith('two plugins'))) continue;
    plugins.set(name, loaded);
  }
  return { plugins, problems };
}

async function findPluginPackages(directories: readonly string[]): Promise<PluginPackage[]> {
  const found: PluginPackage[] = [];
  for (const directory of directories) {
    let entries: string[];
    try {
      entries = (await readdir(directory, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      const packageDirectory = resolve(directory, entry);
      let manifest: { name?: string; main?: string; graine?: { plugin?: boolean } };
      try {
        manifest = JSON.parse(await readFile(join(packageDirectory, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      if (manifest.graine?.plugin !== true) continue;
      const name = manifest.name ?? entry;
      found.push({ name, directory: packageDirectory, entry: resolve(packageDirectory, manifest.main ?? 'dist/index.js') });
    }
  }
  return found;
}

async function importPlugin(pluginPackage: PluginPackage): Promise<LoadedPlugin> {
  let module: { default?: unknown };
  try {
    module = await import(await versionedUrl(pluginPackage));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(pluginPackage.entry)) {
      throw new Error(`plugin ${pluginPackage.name} is not built: ${pluginPackage.entry} is missing (run pnpm build)`);
    }
    throw new Error(`plugin ${pluginPackage.name} failed to import: ${(error as Error).message}`);
  }
  const definition = module.default as PluginDefinition | undefined;
  if (!definition || typeof definition !== 'object' || typeof definition.setup !== 'function' || typeof definition.name !== 'string') {
    throw new Error(`plugin ${pluginPackage.name} has no default export made with definePlugin()`);
  }
  if (!isCompatibleApiVersion(definition.apiVersion)) {
    throw new PluginLoadError(
      definition.name,
      `plugin ${definition.name} targets SDK API ${String(definition.apiVersion)}, this gateway speaks ${SDK_API_VERSION}`,
    );
  }
  return { package: pluginPackage, definition };
}

/** A plugin that was imported but cannot be used; it knows the name routes use for it. */
class PluginLoadError extends Error {
  constructor(
    readonly pluginName: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether a problem concerns the plugin a route names: by its definition name when it was imported,
 * else by package name (`@scope/name` or `name`) or folder, since an unbuilt plugin's definition is unknown.
 */
export function problemConcerns(problem: PluginProblem, name: string): boolean {
  return (
    problem.name === name ||
    problem.name.endsWith(`/${name}`) ||
    basename(problem.directory) === name ||
    problem.reason.includes(`"${name}"`)
  );
}

let hooksRegistered = false;

/**
 * The entry's URL stamped with the newest modification time in the plugin's build folder: an
 * unchanged build maps to the module already loaded, a rebuilt one to a fresh import (ESM never
 * forgets a URL; see versioned-import-hooks.ts). Each rebuild loaded keeps its old copy in memory.
 */
async function versionedUrl(pluginPackage: PluginPackage): Promise<string> {
  if (!hooksRegistered) {
    register(new URL('./versioned-import-hooks.js', import.meta.url));
    hooksRegistered = true;
  }
  const url = pathToFileURL(pluginPackage.entry);
  url.searchParams.set('graine-v', String(await newestModification(dirname(pluginPackage.entry))));
  return url.href;
}

async function newestModification(directory: string): Promise<number> {
  let newest = 0;
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !/\.(m?js|cjs|json)$/.test(entry.name)) continue;
    const modified = await stat(join(entry.parentPath ?? entry.path, entry.name)).then((stats) => stats.mtimeMs, () => 0);
    if (modified > newest) newest = modified;
  }
  return newest;
}

/** Same major, and a minor no newer than the gateway's. */
export function isCompatibleApiVersion(version: unknown): boolean {
  if (typeof version !== 'string') return false;
  const [major, minor] = version.split('.').map(Number);
  const [ownMajor, ownMinor] = SDK_API_VERSION.split('.').map(Number);
  return major === ownMajor && minor !== undefined && ownMinor !== undefined && minor <= ownMinor;
}
