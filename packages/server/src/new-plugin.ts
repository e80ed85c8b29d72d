import { spawnSync } from 'node:child_process';
import { scaffoldPlugin } from './plugin-scaffold.js';
import { WORKSPACE_ROOT } from './paths.js';

/**
 * `pnpm new-plugin <name> [--skip-install]`: scaffolds plugins/<name>, then links it into the workspace
 * (pnpm install, offline when the store has everything) so that `pnpm test` builds and runs its test.
 */
async function main(argv: string[]): Promise<number> {
  const name = argv.find((argument) => !argument.startsWith('-'));
  if (!name) {
    console.error('usage: pnpm new-plugin <name> [--skip-install]');
    return 2;
  }
  const { files } = await scaffoldPlugin(WORKSPACE_ROOT, name);
  for (const file of files) console.log(`created ${file}`);
  console.log(`added plugins/${name} to tsconfig.json`);
  if (!argv.includes('--skip-install')) {
    const install = spawnSync('npx', ['--yes', 'pnpm@10', 'install', '--prefer-offline'], { cwd: WORKSPACE_ROOT, stdio: 'inherit' });
    if (install.status !== 0) {
      console.error('pnpm install failed; run it yourself before building');
      return 1;
    }
  }
  console.log(`
Next:
  npx --yes pnpm@10 test          # builds and runs plugins/${name}/src/index.test.ts with everything else
Route an application to it in config/gateway.yaml:
  target:
    plugin: ${name}
    options:
      greeting: Hello from ${name}.`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`new-plugin: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
