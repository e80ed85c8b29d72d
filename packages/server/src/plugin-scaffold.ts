import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PLUGIN_NAME = /^[a-z][a-z0-9-]{1,39}$/;

export interface ScaffoldResult {
  directory: string;
  files: string[];
}

/**
 * Creates plugins/<name> in the workspace at `root`: a package marked as a plugin that depends on the
 * SDK only, a tsconfig with its reference, a working plugin and a passing test, and adds the package to
 * the root tsconfig.json so that `pnpm test` builds and runs it. Refuses a bad or taken name.
 */
export async function scaffoldPlugin(root: string, name: string): Promise<ScaffoldResult> {
  if (!PLUGIN_NAME.test(name)) throw new Error(`"${name}" is not a plugin name: use lower-case letters, digits and dashes, starting with a letter`);
  const directory = join(root, 'plugins', name);
  if (await stat(directory).then(() => true, () => false)) throw new Error(`plugins/${name} already exists`);
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(packageJson(name), null, 2)}\n`,
    'tsconfig.json': TSCONFIG,
    'src/index.ts': indexSource(name),
    'src/index.test.ts': testSource(name),
  };
  await mkdir(join(directory, 'src'), { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(directory, file), content);
  await addProjectReference(join(root, 'tsconfig.json'), `plugins/${name}`);
  return { directory, files: Object.keys(files).map((file) => `plugins/${name}/${file}`) };
}

/** Inserts `{ "path": … }` among the plugins, before the test project, keeping the file's layout. */
async function addProjectReference(tsconfigFile: string, path: string): Promise<void> {
  const text = await readFile(tsconfigFile, 'utf8');
  const config = JSON.parse(text) as { references?: Array<{ path: string }> };
  if (config.references?.some((reference) => reference.path === path)) return;
  const lines = text.split('\n');
  const testLine = lines.findIndex((line) => /\{\s*"path":\s*"test"\s*\}/.test(line));
  if (testLine >= 0) {
    const indent = /^\s*/.exec(lines[testLine]!)![0];
    lines.splice(testLine, 0, `${indent}{ "path": "${path}" },`);
    await writeFile(tsconfigFile, lines.join('\n'));
    return;
  }
  config.references = [...(config.references ?? []), { path }];
  await writeFile(tsconfigFile, `${JSON.stringify(config, null, 2)}\n`);
}

function packageJson(name: string): object {
  return {
    name: `@graine-plugin/${name}`,
    version: '0.1.0',
    private: true,
    type: 'module',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    dependencies: { '@graine/sdk': 'workspace:*' },
    devDependencies: { chai: '^6.3.0' },
    graine: { plugin: true },
  };
}

const TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist" },
  "include": ["src"],
  "references": [{ "path": "../../packages/sdk" }]
}
`;

function indexSource(name: string): string {
  return `import { definePlugin, SDK_API_VERSION, services } from '@graine/sdk';

export interface Options {
  /** Spoken when the call is answered. */
  greeting: string;
}

export default definePlugin<Options, { logger: typeof services.logger }>({
  name: '${name}',
  version: '0.1.0',
  apiVersion: SDK_API_VERSION,
  // The gateway checks each route's options against this schema at load and names what is wrong.
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['greeting'],
    properties: { greeting: { type: 'string', minLength: 1 } },
  },
  // Services arrive already scoped to this plugin and the route's tenant.
  deps: { logger: services.logger },
  // Setup and handlers return their answers directly, so the gateway calls them without its async call
  // scope (which slows every promise of the process). Remove this line before a handler awaits anything.
  synchronous: true,
  setup({ options, deps }) {
    return {
      callHook: (hook) => {
        deps.logger.info('call answered', { direction: hook.direction });
        return [
          {
            verb: 'gather',
            input: ['digits'],
            numDigits: 1,
            // A relative hook comes back to this plugin, to actionHooks.choice.
            actionHook: '/choice',
            say: { text: \`\${options.greeting} Press any key.\` },
          },
        ];
      },
      actionHooks: {
        choice: (hook) => [
          { verb: 'say', text: hook.payload.digits ? \`You pressed \${String(hook.payload.digits)}. Goodbye.\` : 'Goodbye.' },
          { verb: 'hangup' },
        ],
      },
    };
  },
});
`;
}

function testSource(name: string): string {
  return `import { expect } from 'chai';
import { createPluginHarness } from '@graine/sdk/testing';
import plugin from './index.js';

describe('${name} plugin', () => {
  it('greets the caller and waits for a key', async () => {
    const harness = await createPluginHarness(plugin, { greeting: 'Welcome.' });
    const verbs = await harness.callHook({ from: '15551230000' });
    expect(verbs).to.deep.equal([
      { verb: 'gather', input: ['digits'], numDigits: 1, actionHook: '/choice', say: { text: 'Welcome. Press any key.' } },
    ]);
  });

  it('says which key was pressed, then hangs up', async () => {
    const harness = await createPluginHarness(plugin, { greeting: 'Welcome.' });
    expect(await harness.actionHook('/choice', { reason: 'dtmfDetected', digits: '5' })).to.deep.equal([
      { verb: 'say', text: 'You pressed 5. Goodbye.' },
      { verb: 'hangup' },
    ]);
  });
});
`;
}
