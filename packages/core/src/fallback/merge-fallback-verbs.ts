import type { Verb } from '@graine/sdk';
import type { FallbackConfig } from '../config/types.js';
import { validateVerbs, type VerbContext } from '../verbs/validate-verbs.js';
import { DEFAULT_INITIAL_FALLBACK, DEFAULT_MID_CALL_FALLBACK } from './default-fallback.js';
import { FallbackList, checkTemplates } from './fallback-list.js';

export type FallbackMerge = NonNullable<FallbackConfig['merge']>;

/** The two lists a level ends up with: one for the unanswered call, one for hooks during the call. */
export interface FallbackLists {
  initial: FallbackList;
  midCall: FallbackList;
}

/** A problem in a level's fallback config, with the path (relative to the level's `fallback`) it concerns. */
export class FallbackConfigProblem extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Combines a level's list with its parent's: `replace` takes the level's, `prepend` puts it before the
 * parent's, `append` after. A level that names no list keeps its parent's unchanged.
 */
export function mergeFallbackVerbs(parent: readonly Verb[], own: readonly Verb[] | undefined, merge: FallbackMerge): readonly Verb[] {
  if (own === undefined) return parent;
  switch (merge) {
    case 'replace':
      return own;
    case 'prepend':
      return [...own, ...parent];
    case 'append':
      return [...parent, ...own];
  }
}

/** The global level's parent: a short apology, then hang up. */
export const BUILT_IN_FALLBACK: FallbackLists = {
  initial: new FallbackList(DEFAULT_INITIAL_FALLBACK),
  midCall: new FallbackList(DEFAULT_MID_CALL_FALLBACK),
};

/**
 * Validates one level's lists as the platform would (sip:decline only in `initial`, unknown template
 * fields refused) and merges them onto the parent's. Throws FallbackConfigProblem.
 */
export function compileFallbackLevel(parent: FallbackLists, config: FallbackConfig | undefined): FallbackLists {
  if (!config || (config.initial === undefined && config.midCall === undefined)) return parent;
  const merge = config.merge ?? 'replace';
  return {
    initial: compileList(parent.initial, config.initial, merge, 'initial', 'initial'),
    midCall: compileList(parent.midCall, config.midCall, merge, 'midCall', 'midCall'),
  };
}

function compileList(parent: FallbackList, own: unknown[] | undefined, merge: FallbackMerge, key: string, context: VerbContext): FallbackList {
  if (own === undefined) return parent;
  const verbs: Verb[] = [];
  own.forEach((verb, index) => {
    const check = validateVerbs([verb], 'midCall' === context ? 'midCall' : 'initial');
    if (!check.ok) throw new FallbackConfigProblem(`${key}[${index}]`, check.problem.replace(/^verb 0: /, ''));
    try {
      checkTemplates(verb);
    } catch (error) {
      throw new FallbackConfigProblem(`${key}[${index}]`, (error as Error).message);
    }
    verbs.push(check.verbs[0]!);
  });
  const merged = mergeFallbackVerbs(parent.verbs, verbs, merge);
  if (merged.length === 0 && context === 'initial') throw new FallbackConfigProblem(key, 'the initial fallback list may not be empty');
  return new FallbackList(merged);
}
