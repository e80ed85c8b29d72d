import Router from '@koa/router';
import Koa from 'koa';

/** Prometheus text, from this process or, under --workers, aggregated over every worker. */
export type MetricsSource = () => Promise<{ contentType: string; text: string }>;

/** What /readyz reports: the config and its plugins are loaded, and the gateway is not draining. */
export interface Readiness {
  state(): 'ready' | 'draining';
}

/**
 * /healthz answers 200 while the process can answer at all; /readyz answers 503 while draining, so a load
 * balancer stops sending hooks before the listener closes. /metrics only when a source is given.
 */
export function addHealthAndMetricsRoutes(router: Router, readiness: Readiness, metrics?: MetricsSource): void {
  router.get('/healthz', (ctx: Koa.Context) => {
    ctx.body = { status: 'alive' };
  });
  router.get('/readyz', (ctx: Koa.Context) => {
    const state = readiness.state();
    ctx.status = state === 'ready' ? 200 : 503;
    ctx.body = { status: state };
  });
  if (metrics) {
    router.get('/metrics', async (ctx: Koa.Context) => {
      const { contentType, text } = await metrics();
      ctx.type = contentType;
      ctx.body = text;
    });
  }
}

/** The admin listener's app: health and metrics only, nothing that reaches a tenant. */
export function createAdminApp(readiness: Readiness, metrics: MetricsSource): Koa {
  const app = new Koa();
  const router = new Router();
  addHealthAndMetricsRoutes(router, readiness, metrics);
  app.use(router.routes());
  app.silent = true;
  return app;
}
