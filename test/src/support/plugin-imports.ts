import { builtinModules } from 'node:module';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ForbiddenImport {
  file: string;
  specifier: string;
  why: string;
}

/** Every module specifier a TypeScript source names: static and dynamic imports, re-exports, require(). */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[^'";]*?\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  // A dynamic import of a computed name cannot be checked: refuse it.
  if (/\bimport\s*\(\s*[^'"`\s)]/.test(source) || /\brequire\s*\(\s*[^'"`\s)]/.test(source)) found.push('<computed>');
  return found;
}

/**
 * What a plugin may import: the SDK (and its testing helpers), its own files, Node's built-ins, and npm
 * packages it declares. Anything else — core, server, another plugin, a path out of its folder — is refused.
 */
export function checkImport(pluginDirectory: string, file: string, specifier: string, declared: ReadonlySet<string>): string | undefined {
  if (specifier === '<computed>') return 'a computed import() or require() cannot be checked';
  if (specifier === '@graine/sdk' || specifier === '@graine/sdk/testing') return undefined;
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    return target === pluginDirectory || target.startsWith(pluginDirectory + sep) ? undefined : 'a relative import that leaves the plugin';
  }
  if (specifier.startsWith('/') || /^[a-z]+:/i.test(specifier)) {
    return specifier.startsWith('node:') && builtinModules.includes(specifier.slice(5)) ? undefined : 'an absolute path or URL';
  }
  if (builtinModules.includes(specifier)) return undefined;
  const packageName = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  if (packageName.startsWith('@graine/') || packageName.startsWith('@graine-plugin/')) return 'a gateway package other than @graine/sdk';
  return declared.has(packageName) ? undefined : `package ${packageName} is not in the plugin's package.json`;
}

/** Scans every TypeScript source under each plugin folder of `pluginsRoot`. */
export async function findForbiddenImports(pluginsRoot: string): Promise<ForbiddenImport[]> {
  const forbidden: ForbiddenImport[] = [];
  for (const entry of await readdir(pluginsRoot, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pluginDirectory = join(pluginsRoot, entry.name);
    let manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    try {
      manifest = JSON.parse(await readFile(join(pluginDirectory, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
    for (const file of await sourceFiles(pluginDirectory)) {
      for (const specifier of importSpecifiers(await readFile(file, 'utf8'))) {
        const why = checkImport(pluginDirectory, file, specifier, declared);
        if (why) forbidden.push({ file: relative(pluginsRoot, file), specifier, why });
      }
    }
  }
  return forbidden;
}

async function sourceFiles(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await sourceFiles(path)));
    else if (/\.(c|m)?[jt]sx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}
