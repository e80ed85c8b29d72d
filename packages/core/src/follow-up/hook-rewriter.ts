import type { Verb } from '@graine/sdk';
import { FOLLOW_UP_PREFIX, type FollowUpKind, type RouteTokens } from './route-token.js';

/** The route whose target wrote the verbs: every hook in them comes back to it. */
export interface RewriteScope {
  accountSid: string;
  applicationSid: string;
  /** `upstream:<name>` or `plugin:<name>`. */
  target: string;
  /** Route absolute hooks on other hosts through the gateway too (per-account `routeAbsoluteHooks`). */
  routeAbsoluteHooks: boolean;
}

/** Hooks whose answer the platform does not apply (protocol §2.4): a failure needs no fallback verbs. */
const NOTIFY_HOOKS = new Set(['dtmfHook', 'partialResultHook', 'transcriptionHook', 'translationHook', 'eventHook', 'toolHook']);
/** Hooks that receive call-status or conference events (redirect.statusHook, conference.statusHook). */
const STATUS_HOOKS = new Set(['statusHook']);
const ABSOLUTE_HTTP = /^https?:\/\//i;

export function followUpKindOf(property: string): FollowUpKind {
  if (STATUS_HOOKS.has(property)) return 'status';
  if (NOTIFY_HOOKS.has(property)) return 'notify';
  return 'action';
}

/**
 * Rewrites every `*Hook` property (string or `{url, …}` form, at any depth: gather.actionHook,
 * dial.confirmHook, conference.waitHook, config.referHook, dial.transcribe.transcriptionHook …) into a
 * gateway URL `/t/<route token>/<original path>`. The platform resolves a relative hook against
 * scheme://host:port of the call hook and drops its path (protocol §2.1), so without this a tenant's
 * `"/menu-choice"` would land at the gateway's root with nothing saying whose it is.
 *
 * Rewritten hooks stay relative (the platform resolves them against the gateway's own origin, whatever
 * name it reaches the gateway by) unless `server.publicBaseUrl` is set, which makes them absolute.
 */
export class HookRewriter {
  private readonly base: string;
  private readonly ownOrigin: string | undefined;

  constructor(
    private readonly tokens: RouteTokens,
    publicBaseUrl?: string,
  ) {
    this.base = publicBaseUrl ? publicBaseUrl.replace(/\/+$/, '') : '';
    this.ownOrigin = publicBaseUrl ? new URL(publicBaseUrl).origin : undefined;
  }

  /**
   * Returns the verbs with their hooks rewritten. The input is never changed (a plugin may answer the same
   * array each time): what has a hook is copied, what has none is shared, and verbs without any hook come
   * back as the very same array — which lets an upstream's answer go out as the bytes it sent.
   */
  rewrite(verbs: readonly Verb[], scope: RewriteScope): readonly Verb[] {
    return this.rewriteValue(verbs, scope) as readonly Verb[];
  }

  private rewriteValue(value: unknown, scope: RewriteScope): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const item = this.rewriteValue(value[index], scope);
        if (item !== value[index]) (copy ??= value.slice())[index] = item;
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const rewritten = key.endsWith('Hook') ? this.rewriteHook(item, followUpKindOf(key), scope) : this.rewriteValue(item, scope);
      if (rewritten !== item) (copy ??= { ...value })[key] = rewritten;
    }
    return copy ?? value;
  }

  private rewriteHook(hook: unknown, kind: FollowUpKind, scope: RewriteScope): unknown {
    if (typeof hook === 'string') return this.rewriteUrl(hook, kind, scope);
    if (hook !== null && typeof hook === 'object' && !Array.isArray(hook) && typeof (hook as { url?: unknown }).url === 'string') {
      // Keep method (and anything else); only the URL changes.
      const url = (hook as { url: string }).url;
      const rewritten = this.rewriteUrl(url, kind, scope);
      return rewritten === url ? hook : { ...hook, url: rewritten };
    }
    return hook;
  }

  private rewriteUrl(url: string, kind: FollowUpKind, scope: RewriteScope): string {
    const claims = { kind, accountSid: scope.accountSid, applicationSid: scope.applicationSid, target: scope.target };
    if (url.startsWith('/') && !url.startsWith('//')) {
      return `${this.base}${FOLLOW_UP_PREFIX}${this.tokens.issue(claims)}${url}`;
    }
    if (scope.routeAbsoluteHooks && ABSOLUTE_HTTP.test(url)) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return url;
      }
      // A hook that already points at the gateway stays as it is.
      if (parsed.origin === this.ownOrigin) return url;
      const path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
      return `${this.base}${FOLLOW_UP_PREFIX}${this.tokens.issue({ ...claims, origin: parsed.origin })}${path}`;
    }
    // Absolute hooks on other hosts are left alone by default (ws/wss included): see the README.
    return url;
  }
}
