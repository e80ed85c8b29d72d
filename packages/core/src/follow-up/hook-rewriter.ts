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

  /** Returns rewritten copies; the input verbs are not changed (a plugin may answer the same array each time). */
  rewrite(verbs: readonly Verb[], scope: RewriteScope): Verb[] {
    return verbs.map((verb) => this.rewriteValue(verb, scope) as Verb);
  }

  private rewriteValue(value: unknown, scope: RewriteScope): unknown {
    if (Array.isArray(value)) return value.map((item) => this.rewriteValue(item, scope));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = key.endsWith('Hook') ? this.rewriteHook(item, followUpKindOf(key), scope) : this.rewriteValue(item, scope);
    }
    return out;
  }

  private rewriteHook(hook: unknown, kind: FollowUpKind, scope: RewriteScope): unknown {
    if (typeof hook === 'string') return this.rewriteUrl(hook, kind, scope);
    if (hook !== null && typeof hook === 'object' && !Array.isArray(hook) && typeof (hook as { url?: unknown }).url === 'string') {
      // Keep method (and anything else); only the URL changes.
      return { ...hook, url: this.rewriteUrl((hook as { url: string }).url, kind, scope) };
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
