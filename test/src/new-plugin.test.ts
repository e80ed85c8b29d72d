import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverPlugins } from '@graine/core';
import { scaffoldPlugin, WORKSPACE_ROOT } from '@graine/server';

const require = createRequire(import.meta.url);

/**
 * `pnpm new-plugin` works on the workspace it runs in; the test gives it a temporary copy of the parts
 * a plugin build needs (root and base tsconfig, the SDK and the installed packages, linked), so the
 * real workspace is never touched.
 */
describe('pnpm new-plugin', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'graine-new-plugin-'));
    await copyFile(join(WORKSPACE_ROOT, 'tsconfig.json'), join(root, 'tsconfig.json'));
    await copyFile(join(WORKSPACE_ROOT, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'));
    await mkdir(join(root, 'packages'));
    await symlink(join(WORKSPACE_ROOT, 'packages', 'sdk'), join(root, 'packages', 'sdk'), 'dir');
    await symlink(join(WORKSPACE_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('creates a plugin whose own test builds and passes, referenced from the root tsconfig, and which the gateway discovers', async () => {
    const { files } = await scaffoldPlugin(root, 'greeter');
    expect(files).to.have.members([
      'plugins/greeter/package.json',
      'plugins/greeter/tsconfig.json',
      'plugins/greeter/src/index.ts',
      'plugins/greeter/src/index.test.ts',
    ]);
    const manifest = JSON.parse(await readFile(join(root, 'plugins/greeter/package.json'), 'utf8'));
    expect(manifest.graine).to.deep.equal({ plugin: true });
    expect(manifest.dependencies).to.deep.equal({ '@graine/sdk': 'workspace:*' });
    const references = JSON.parse(await readFile(join(root, 'tsconfig.json'), 'utf8')).references.map((reference: { path: string }) => reference.path);
    expect(references).to.include('plugins/greeter');
    expect(references.indexOf('plugins/greeter')).to.be.lessThan(references.indexOf('test'));

    // What `pnpm install` does for a workspace package: link the SDK into the plugin.
    await mkdir(join(root, 'plugins/greeter/node_modules/@graine'), { recursive: true });
    await symlink(join(WORKSPACE_ROOT, 'packages', 'sdk'), join(root, 'plugins/greeter/node_modules/@graine/sdk'), 'dir');

    const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-b', join(root, 'plugins/greeter')], { encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).to.equal(0);
    const test = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), '--no-config', join(root, 'plugins/greeter/dist/index.test.js')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(test.status, test.stdout + test.stderr).to.equal(0);
    expect(test.stdout).to.contain('2 passing');

    const catalog = await discoverPlugins([join(root, 'plugins')]);
    expect(catalog.problems).to.deep.equal([]);
    expect(catalog.plugins.get('greeter')?.definition.version).to.equal('0.1.0');
  });

  it('refuses a name that is taken or not a package name', async () => {
    await scaffoldPlugin(root, 'greeter').then(
      () => expect.fail('a second greeter must be refused'),
      (error: Error) => expect(error.message).to.equal('plugins/greeter already exists'),
    );
    await scaffoldPlugin(root, '../escape').then(
      () => expect.fail('a path must be refused'),
      (error: Error) => expect(error.message).to.contain('is not a plugin name'),
    );
  });
});
