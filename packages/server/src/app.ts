import { randomUUID } from 'node:crypto';
import { parse as parseQueryString } from 'node:querystring';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import {
  answerCallHook,
  answerFollowUpHook,
  answerStatusHook,
  DEFAULT_INITIAL_FALLBACK,
  FOLLOW_UP_PREFIX,
  type GatewayLogger,
  type HookAnswer,
  type HookReporter,
  type InboundHookRequest,
  type QueryParameters,
  type RuntimeHolder,
  type WholeCallServices,
} from '@graine/core';
import { addHealthAndMetricsRoutes, type MetricsSource, type Readiness } from './health-and-metrics.js';

export interface AppOptions {
  runtimes: RuntimeHolder;
  logger: GatewayLogger;
  bodyLimitBytes: number;
  /** Writes the log line and the metrics of every finished hook. */
  hooks: HookReporter;
  readiness: Readiness;
  /** Serve /metrics on this app; left out when an admin listener serves it. */
  metrics?: MetricsSource;
  /** Call affinity and status queues: they outlive config generations. */
  wholeCall: WholeCallServices;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The Koa app: thin routes that turn a request into a pipeline call and the pipeline's answer into a response. */
export function createApp(options: AppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  const router = new Router();

  const callHook = async (ctx: Koa.Context) => {
    const requestId = ctx.state.requestId as string;
    const started = performance.now();
    const answer = await options.runtimes.use((runtime) => answerCallHook(runtime, inboundHook(ctx)));
    if (answer.outcome !== 'rejected' && answer.accountSid && answer.applicationSid) {
      options.wholeCall.affinity.remember(answer.callSid, { accountSid: answer.accountSid, applicationSid: answer.applicationSid });
    }
    writeAnswer(ctx, answer);
    options.hooks.finished('call', answer, requestId, performance.now() - started);
  };
  addHealthAndMetricsRoutes(router, options.readiness, options.metrics);
  router.get('/webhooks/call', callHook);
  router.post('/webhooks/call', callHook);

  const statusHook = async (ctx: Koa.Context) => {
    const started = performance.now();
    const answer = await options.runtimes.use((runtime) => answerStatusHook(runtime, options.wholeCall, inboundHook(ctx)));
    writeAnswer(ctx, answer);
    options.hooks.finished('status', answer, ctx.state.requestId as string, performance.now() - started);
  };
  router.get('/webhooks/status', statusHook);
  router.post('/webhooks/status', statusHook);

  // Rewritten hooks: /t/<route token>/<the target's own path> (see follow-up-pipeline.ts).
  const followUpHook = async (ctx: Koa.Context, next: Koa.Next) => {
    if (!ctx.path.startsWith(FOLLOW_UP_PREFIX)) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'POST') return jsonError(ctx, 405, `method ${ctx.method} is not allowed on ${ctx.path}`);
    const started = performance.now();
    const answer = await options.runtimes.use((runtime) => answerFollowUpHook(runtime, options.wholeCall, inboundHook(ctx)));
    writeAnswer(ctx, answer);
    options.hooks.finished('action', answer, ctx.state.requestId as string, performance.now() - started);
  };

  // Few layers on purpose: each Koa middleware is a closure, a promise and a dispatch on every hook.
  app.use(requestFrame(options.logger, options.hooks));
  app.use(
    readJsonBody(
      bodyParser({
        enableTypes: ['json'],
        jsonLimit: `${options.bodyLimitBytes}b`,
        strict: true,
        // The platform posts JSON; some clients also label it with a vendor type.
        extendTypes: { json: ['application/json', 'application/*+json'] },
        // Whatever goes wrong while reading a body is the sender's doing: remember it for a 400.
        onerror: (error: Error, ctx: Koa.Context) => {
          ctx.state.bodyProblem = describeBodyError(error);
        },
      }),
    ),
  );
  app.use(followUpHook);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  // Errors are answered by requestFrame; Koa's own handler would print stacks for client errors.
  app.silent = true;
  return app;
}

/**
 * What every request gets: a request id (the caller's, if it is a sane one), and an answer whatever
 * happens. Anything unexpected on a call hook still answers 200 with the default fallback, because the
 * platform turns a 5xx into dead air; unknown paths and methods get a JSON 404/405. (Unreadable bodies
 * never get here: they are a 400, see readJsonBody.)
 */
function requestFrame(logger: GatewayLogger, hooks: HookReporter) {
  return async (ctx: Koa.Context, next: Koa.Next): Promise<void> => {
    const started = performance.now();
    const given = ctx.get('x-request-id');
    ctx.state.requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.set('x-request-id', ctx.state.requestId as string);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) jsonError(ctx, 404, `no route for ${ctx.method} ${ctx.path}`);
      if (ctx.status === 405) jsonError(ctx, 405, `method ${ctx.method} is not allowed on ${ctx.path}`);
    } catch (error) {
      logger.error({ err: describe(error), path: ctx.path, request_id: ctx.state.requestId }, 'unexpected error');
      if (ctx.path.startsWith('/webhooks/call')) {
        ctx.status = 200;
        ctx.body = DEFAULT_INITIAL_FALLBACK;
        ctx.set('x-gateway-outcome', 'fallback; reason=gateway_error');
        hooks.gatewayError('call', performance.now() - started);
      } else {
        jsonError(ctx, 500, 'internal error');
      }
    }
  };
}

/**
 * A body the gateway cannot read is refused by name rather than silently ignored. A request without a
 * body (the platform's GET hooks) skips the parser altogether.
 */
function readJsonBody(parser: Koa.Middleware) {
  return async (ctx: Koa.Context, next: Koa.Next): Promise<void> => {
    const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (!hasBody) return next();
    await parser(ctx, async () => {
      const problem =
        (ctx.state.bodyProblem as string | undefined) ??
        (!ctx.is('application/json', 'application/*+json') ? 'content-type must be application/json' : undefined);
      if (problem) {
        ctx.status = 400;
        ctx.body = { error: 'invalid request body', details: [{ field: '(body)', problem }] };
        return;
      }
      await next();
    });
  };
}

/** Names what was wrong with an unreadable body without echoing any of it. */
function describeBodyError(error: Error & { type?: string; limit?: number; status?: number }): string {
  if (error.type === 'entity.too.large') return `is larger than the limit of ${error.limit ?? ''} bytes`;
  if (/only supports object/.test(error.message)) return 'must be a JSON object';
  if (error instanceof SyntaxError || error.type === 'entity.parse.failed') return 'is not valid JSON';
  if (error.type === 'charset.unsupported') return 'has an unsupported charset';
  if (error.type === 'encoding.unsupported' || /Content-Encoding/.test(error.message)) return 'has an unsupported content-encoding';
  if (error.type === 'request.aborted') return 'was cut short';
  if (error.type === 'request.size.invalid') return 'does not match its content-length';
  if ((error as { code?: string }).code?.startsWith('Z_') || /incorrect header|unexpected end|invalid|padding/i.test(error.message)) {
    return 'could not be decompressed';
  }
  return 'could not be read';
}

function writeAnswer(ctx: Koa.Context, answer: HookAnswer): void {
  ctx.status = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) ctx.set(name, value);
  if (answer.body === undefined) return; // 204: "no change" (protocol §1.1)
  ctx.body = answer.body; // a string here is JSON already: Koa writes it as it is
  ctx.type = 'application/json';
}

/**
 * The query as an object, repeated names as arrays, like Koa's `ctx.query`: Koa 3 builds it through
 * URLSearchParams, `getAll` per name and `defineProperty`, which the plugin path's profile put at ~15 µs
 * per hook; node:querystring gives the same result (null prototype, `+` as space) in about 2.
 */
function queryOf(ctx: Koa.Context): QueryParameters {
  return parseQueryString(ctx.querystring);
}

/** koa-bodyparser keeps the body text it parsed: signatures are checked, and bodies forwarded, over these bytes. */
function rawBodyOf(ctx: Koa.Context): string | undefined {
  return (ctx.request as { rawBody?: string }).rawBody;
}

function inboundHook(ctx: Koa.Context): InboundHookRequest {
  return {
    method: ctx.method,
    url: ctx.url,
    authorization: ctx.get('authorization') || undefined,
    header: (name) => ctx.get(name) || undefined,
    query: queryOf(ctx),
    body: (ctx.request as { body?: unknown }).body,
    rawBody: rawBodyOf(ctx),
    requestId: ctx.state.requestId as string,
  };
}

function jsonError(ctx: Koa.Context, status: number, error: string): void {
  ctx.status = status;
  ctx.body = { error };
}

function describe(error: unknown): { message: string; name?: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
}
