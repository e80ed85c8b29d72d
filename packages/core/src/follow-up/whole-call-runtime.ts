import type { Verb } from '@graine/sdk';
import { joinPath } from '../config/errors.js';
import type { GatewayConfig, SignatureConfig, TargetConfig } from '../config/types.js';
import { PluginTarget } from '../plugins/plugin-target.js';
import type { Route } from '../routing/route.js';
import {
  DEFAULT_SIGNATURE_HEADER,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  type RequestSigning,
  type SignaturePolicy,
} from '../signatures/webhook-signature.js';
import type { CacheSource } from '../cache/response-cache.js';
import type { InvocationResult, Target } from '../targets/target.js';
import { HookRewriter } from './hook-rewriter.js';
import { RouteTokens } from './route-token.js';

/** Where a tenant's status events go: an upstream's URL, or a plugin instance's `statusEvent`. */
export interface StatusSink {
  /** Identifies the queue: one per upstream, one per plugin instance. */
  key: string;
  /** The target's configured name, for logs and metric labels (never a URL, never a tenant id). */
  label: string;
  target: Target;
}

interface AccountPolicy {
  routeAbsoluteHooks: boolean;
  signature?: SignaturePolicy;
  statusSink?: StatusSink;
  applicationStatusSinks: ReadonlyMap<string, StatusSink>;
}

/** `upstream:<name>` or `plugin:<name>`: how a route token names the target that wrote a hook. */
export function targetKey(target: Target): string {
  return `${target.kind}:${target.name}`;
}

/**
 * The whole-call rules of one config generation: route tokens and hook rewriting, each account's
 * signature policy and status sinks, and which upstreams want signed requests. Compiled at load.
 */
export class WholeCallRuntime {
  /** Per cached verb array: its rewritten JSON per application (a generation's routes are fixed, so is the rewrite). */
  private readonly answerJsonMemo = new WeakMap<readonly Verb[], Map<string, string>>();

  constructor(
    readonly tokens: RouteTokens,
    readonly rewriter: HookRewriter,
    private readonly accounts: ReadonlyMap<string, AccountPolicy>,
    private readonly signedUpstreams: ReadonlySet<string>,
  ) {}

  signaturePolicy(accountSid: string): SignaturePolicy | undefined {
    return this.accounts.get(accountSid)?.signature;
  }

  /**
   * The rewritten verbs as the JSON the platform receives, for call hooks and follow-up hooks alike.
   * An upstream's own bytes go out unchanged when
   * no hook in them needed rewriting (no parse-and-serialise round trip). A cached answer is the same
   * array on every hit, so its JSON is built once per application and kept beside it (weakly: evicted
   * from the cache, it goes too); the profile of the cache-hit path had the rewrite and the serialisation
   * on every hit.
   */
  answerJson(route: Route, applicationSid: string, answer: Extract<InvocationResult, { ok: true }>, source: CacheSource): string | Buffer {
    const { verbs, raw } = answer;
    if (source === 'target') {
      const rewritten = this.rewriteVerbs(route, applicationSid, verbs);
      return raw && rewritten === verbs ? raw : JSON.stringify(rewritten);
    }
    let perApplication = this.answerJsonMemo.get(verbs);
    if (!perApplication) this.answerJsonMemo.set(verbs, (perApplication = new Map()));
    let json = perApplication.get(applicationSid);
    if (json === undefined) {
      json = JSON.stringify(this.rewriteVerbs(route, applicationSid, verbs));
      perApplication.set(applicationSid, json);
    }
    return json;
  }

  /** Rewrites the hooks in verbs that `route`'s target answered for `applicationSid`, so they come back to it. */
  private rewriteVerbs(route: Route, applicationSid: string, verbs: readonly Verb[]): readonly Verb[] {
    return this.rewriter.rewrite(verbs, {
      accountSid: route.accountSid,
      applicationSid,
      target: targetKey(route.target),
      routeAbsoluteHooks: route.target.kind === 'upstream' && (this.accounts.get(route.accountSid)?.routeAbsoluteHooks ?? false),
    });
  }

  /** The application's status upstream, else the account's, else the route's plugin if it takes status events. */
  statusSinkFor(accountSid: string, applicationSid: string, route: Route | undefined): StatusSink | undefined {
    const account = this.accounts.get(accountSid);
    const configured = account?.applicationStatusSinks.get(applicationSid) ?? account?.statusSink;
    if (configured) return configured;
    if (route && route.target instanceof PluginTarget && route.target.handlesStatusEvents) {
      return { key: `plugin:${route.target.name}:${route.accountSid}:${route.applicationSid ?? '*'}`, label: route.target.name, target: route.target };
    }
    return undefined;
  }

  /** The signature to put on what the gateway forwards to `target` for this account, if that upstream asks for one. */
  signingFor(accountSid: string, target: Target): RequestSigning | undefined {
    if (target.kind !== 'upstream' || !this.signedUpstreams.has(target.name)) return undefined;
    const policy = this.accounts.get(accountSid)?.signature;
    return policy && { header: policy.header, secret: policy.secrets[0]! };
  }
}

export interface WholeCallCompileContext {
  config: GatewayConfig;
  upstreamTarget(name: string, path: string): Target;
  fail(path: string, reason: string): never;
}

export function compileWholeCallRuntime(context: WholeCallCompileContext): WholeCallRuntime {
  const { config } = context;
  const server = config.server ?? {};
  const tokens = new RouteTokens(server.routeTokenSecret);
  const signedUpstreams = new Set(
    Object.entries(config.upstreams ?? {})
      .filter(([, upstream]) => upstream.signRequests === true)
      .map(([name]) => name),
  );
  const statusSink = (name: string, path: string): StatusSink => {
    const target = context.upstreamTarget(name, path);
    return { key: `upstream:${name}`, label: name, target };
  };
  const upstreamOf = (target: TargetConfig | undefined) => (target && 'upstream' in target ? target.upstream : undefined);

  const accounts = new Map<string, AccountPolicy>();
  for (const [accountSid, account] of Object.entries(config.accounts)) {
    const accountPath = joinPath('accounts', accountSid);
    const applicationStatusSinks = new Map<string, StatusSink>();
    for (const [applicationSid, application] of Object.entries(account.applications ?? {})) {
      if (application.statusUpstream) {
        const path = joinPath(joinPath(joinPath(accountPath, 'applications'), applicationSid), 'statusUpstream');
        applicationStatusSinks.set(applicationSid, statusSink(application.statusUpstream, path));
      }
    }
    const signature = account.signature && signaturePolicy(account.signature);
    if (!signature) {
      // An upstream that wants signed requests needs this tenant's secret to sign them.
      const used = [
        upstreamOf(account.target) ?? (account.target ? undefined : upstreamOf(config.defaults?.target)),
        account.statusUpstream,
        ...Object.values(account.applications ?? {}).flatMap((application) => [upstreamOf(application.target), application.statusUpstream]),
      ];
      const signed = used.find((name) => name !== undefined && signedUpstreams.has(name));
      if (signed) context.fail(accountPath, `upstream ${signed} has signRequests but this account has no signature secrets to sign with`);
    }
    const routeAbsoluteHooks = account.routeAbsoluteHooks ?? false;
    // An account with none of these settings has no policy entry: every reader treats a missing one as
    // the defaults, and 10,000 such accounts would otherwise hold 10,000 empty Maps.
    if (!routeAbsoluteHooks && !signature && !account.statusUpstream && applicationStatusSinks.size === 0) continue;
    accounts.set(accountSid, {
      routeAbsoluteHooks,
      ...(signature && { signature }),
      ...(account.statusUpstream && { statusSink: statusSink(account.statusUpstream, joinPath(accountPath, 'statusUpstream')) }),
      applicationStatusSinks,
    });
  }
  return new WholeCallRuntime(tokens, new HookRewriter(tokens, server.publicBaseUrl), accounts, signedUpstreams);
}

function signaturePolicy(config: SignatureConfig): SignaturePolicy {
  return {
    header: (config.header ?? DEFAULT_SIGNATURE_HEADER).toLowerCase(),
    secrets: config.secrets,
    toleranceSeconds: config.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
    acceptUnsignedGet: config.acceptUnsignedGet ?? true,
  };
}
