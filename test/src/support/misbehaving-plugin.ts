import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes a plugin package `misbehaving` into a temporary plugin folder. Its `mode` option picks how it
 * fails: `throw`, `reject`, `hang`, `invalid` (an unknown verb), `object` (not an array), or `ok`.
 */
export async function writeMisbehavingPlugin(): Promise<{ directory: string; cleanup(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'graine-plugins-'));
  const packageDirectory = join(directory, 'misbehaving');
  await mkdir(packageDirectory);
  await writeFile(
    join(packageDirectory, 'package.json'),
    JSON.stringify({ name: 'misbehaving', version: '0.1.0', type: 'module', main: 'index.js', graine: { plugin: true } }),
  );
  await writeFile(
    join(packageDirectory, 'index.js'),
    `export default {
  name: 'misbehaving',
  version: '0.1.0',
  apiVersion: '1.0',
  optionsSchema: { type: 'object', properties: { mode: { type: 'string' } }, required: ['mode'] },
  setup({ options }) {
    return {
      callHook() {
        switch (options.mode) {
          case 'throw': throw new Error('plugin exploded');
          case 'reject': return Promise.reject(new Error('plugin rejected'));
          case 'hang': return new Promise(() => {});
          case 'invalid': return [{ verb: 'bogus' }];
          case 'object': return { verb: 'say', text: 'not an array' };
          default: return [{ verb: 'say', text: 'plugin ok' }];
        }
      },
    };
  },
};
`,
  );
  return { directory, cleanup: () => rm(directory, { recursive: true, force: true }) };
}
