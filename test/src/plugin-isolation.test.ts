import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKSPACE_PLUGINS } from '@graine/server';
import { findForbiddenImports } from './support/plugin-imports.js';

describe('plugins cannot reach gateway internals', () => {
  it('no file under plugins/ imports anything but @graine/sdk, its own files and declared npm packages', async () => {
    expect(await findForbiddenImports(WORKSPACE_PLUGINS)).to.deep.equal([]);
  });

  it('the scan catches imports of core, server, another plugin, a path outside the plugin and undeclared packages', async () => {
    const root = await mkdtemp(join(tmpdir(), 'graine-plugin-scan-'));
    try {
      await mkdir(join(root, 'sneaky', 'src'), { recursive: true });
      await writeFile(join(root, 'sneaky', 'package.json'), JSON.stringify({ dependencies: { '@graine/sdk': 'workspace:*', 'lru-cache': '^11' } }));
      await writeFile(
        join(root, 'sneaky', 'src', 'index.ts'),
        [
          "import { definePlugin } from '@graine/sdk';",
          "import { LRUCache } from 'lru-cache';",
          "import { readFile } from 'node:fs/promises';",
          "import { helper } from './helper.js';",
          "import { RuntimeHolder } from '@graine/core';",
          "import type { GatewayLogger } from '@graine/server';",
          "export { x } from '../../packages/core/src/index.js';",
          "const other = await import('@graine-plugin/static');",
          "import got from 'got';",
          "const name = 'fs'; require(name);",
        ].join('\n'),
      );
      const found = (await findForbiddenImports(root)).map((entry) => entry.specifier);
      expect(found).to.have.members([
        '@graine/core',
        '@graine/server',
        '../../packages/core/src/index.js',
        '@graine-plugin/static',
        'got',
        '<computed>',
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
