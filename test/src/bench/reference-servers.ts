/**
 * The floors the gateway is measured against, each in its own process so it can be pinned to a core:
 *   upstream-stub  a plain node:http server answering the verb array (the tenant backend, and the "direct" path)
 *   bare-koa       a Koa app answering the same array from memory (the floor for plugin and cache-hit paths)
 *   koa-got        a Koa app that proxies to the stub through got configured as the gateway configures it
 * Usage: node reference-servers.js <kind> <port> [upstream-url]
 */
import { createServer } from 'node:http';
import { Agent } from 'node:http';
import got from 'got';
import Koa from 'koa';

import { BENCH_VERBS } from './bench-verbs.js';
const VERBS_JSON = JSON.stringify(BENCH_VERBS);

const [kind, portArgument, upstreamUrl] = process.argv.slice(2);
const port = Number(portArgument);

function ready(): void {
  // The orchestrator waits for this line before it starts measuring.
  console.log(JSON.stringify({ msg: 'listening', kind, port }));
}

switch (kind) {
  case 'upstream-stub': {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
        response.end(VERBS_JSON);
      });
    });
    server.keepAliveTimeout = 65_000;
    server.listen(port, '127.0.0.1', ready);
    break;
  }
  case 'bare-koa': {
    const app = new Koa();
    app.use((ctx) => {
      ctx.type = 'application/json';
      ctx.body = BENCH_VERBS;
    });
    const server = app.listen(port, '127.0.0.1', ready);
    server.keepAliveTimeout = 65_000;
    break;
  }
  case 'koa-got': {
    if (!upstreamUrl) throw new Error('koa-got needs the upstream URL');
    // The same got options as packages/core/src/targets/upstream-target.ts: keep-alive agent per origin,
    // no redirects, no got retries, buffer body.
    const client = got.extend({
      agent: { http: new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' }) },
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      headers: { 'user-agent': 'graine-hook-gateway' },
    });
    const app = new Koa();
    app.use(async (ctx) => {
      const response = await client(upstreamUrl, {
        method: 'POST',
        json: ctx.query,
        responseType: 'buffer',
        timeout: { request: 5000 },
      });
      ctx.type = 'application/json';
      ctx.body = JSON.parse(response.body.toString('utf8'));
    });
    const server = app.listen(port, '127.0.0.1', ready);
    server.keepAliveTimeout = 65_000;
    break;
  }
  default:
    throw new Error(`unknown reference server "${kind}"`);
}
