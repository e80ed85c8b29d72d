import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPluginSpec {
  /** The body of an ES module whose default export is the plugin definition (plain JavaScript). */
  source?: string;
  /** Overrides of package.json; `graine.plugin` is true unless overridden. */
  manifest?: Record<string, unknown>;
  /** Leave dist/index.js out, as if the plugin was never built. */
  unbuilt?: boolean;
}

export interface TestPluginFolder {
  directory: string;
  cleanup(): Promise<void>;
}

/**
 * Writes plugin packages into a temporary folder, to be named in `plugins.directories`. Plugins are plain
 * JavaScript modules with a default export shaped like definePlugin's, so they need no build.
 */
export async function writeTestPlugins(plugins: Record<string, TestPluginSpec>): Promise<TestPluginFolder> {
  const directory = await mkdtemp(join(tmpdir(), 'graine-test-plugins-'));
  for (const [folder, spec] of Object.entries(plugins)) {
    await mkdir(join(directory, folder, 'dist'), { recursive: true });
    const manifest = { name: `@test-plugin/${folder}`, type: 'module', main: './dist/index.js', graine: { plugin: true }, ...spec.manifest };
    await writeFile(join(directory, folder, 'package.json'), JSON.stringify(manifest, null, 2));
    if (!spec.unbuilt) await writeFile(join(directory, folder, 'dist', 'index.js'), spec.source ?? pluginSource(folder, '[{ verb: "say", text: "hi" }]'));
  }
  return { directory, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

/** A plugin module named `name` whose call hook runs `body` (an async function body with `hook`, `deps`, `options` in scope). */
export function pluginSource(name: string, callHookReturns: string, extra: { deps?: string; setup?: string; apiVersion?: string; body?: string } = {}): string {
  const deps = extra.deps ?? '{}';
  return `
const ref = (name) => ({ id: Symbol.for('graine.sdk.service.' + name), name });
export default {
  name: ${JSON.stringify(name)},
  version: '1.0.0',
  apiVersion: ${JSON.stringify(extra.apiVersion ?? '1.0')},
  optionsSchema: { type: 'object' },
  deps: ${deps},
  async setup({ options, deps, route }) {
    ${extra.setup ?? ''}
    return {
      callHook: async (hook, context) => {
        ${extra.body ?? ''}
        return ${callHookReturns};
      },
    };
  },
};
`;
}
