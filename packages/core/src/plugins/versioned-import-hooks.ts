/**
 * Node module-loader hooks (registered with module.register) that make a rebuilt plugin loadable
 * without a restart. ESM caches a module by URL for the life of the process, so the catalog imports a
 * plugin's entry as `index.js?graine-v=<build stamp>`; this hook gives the entry's own relative
 * imports the same stamp, so that every file of the new build is loaded, not only the entry.
 * Packages (the SDK, npm dependencies) are resolved as usual and stay shared.
 */
const VERSION = 'graine-v';

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; [key: string]: unknown }>;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve) {
  const result = await nextResolve(specifier, context);
  const parent = context.parentURL;
  if (!parent || !(specifier.startsWith('./') || specifier.startsWith('../')) || !result.url.startsWith('file:')) return result;
  const stamp = new URL(parent).searchParams.get(VERSION);
  if (stamp === null) return result;
  const url = new URL(result.url);
  url.searchParams.set(VERSION, stamp);
  return { ...result, url: url.href };
}
