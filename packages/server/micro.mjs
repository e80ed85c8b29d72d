import 'reflect-metadata';
const core = await import('@graine/core');
const server = await import('./dist/index.js');
const gw = await server.startGateway({ configFile: '/tmp/bench10k.yaml', port: 0, logger: core.silentLogger });
const runtime = gw.runtimes.current;
const mk = (acct, app, user) => ({ authorization: 'Basic ' + Buffer.from(user + ':x').toString('base64'), query: { call_sid: 'CA', account_sid: acct, application_sid: app, direction: 'inbound', from: '1555', to: '1666', caller_name: 'B', call_status: 'trying', sip_status: '100' }, body: {}, requestId: 'r', method: 'GET', rawBody: undefined, header: () => undefined });
const bench = async (label, req, n = 20000) => {
  for (let i = 0; i < 2000; i++) await core.answerCallHook(runtime, req);
  const t = process.cpuUsage(); const w = performance.now();
  for (let i = 0; i < n; i++) await core.answerCallHook(runtime, req);
  const c = process.cpuUsage(t); console.log(label, ((c.user + c.system) / n).toFixed(1), 'µs CPU/call', ((performance.now() - w) * 1000 / n).toFixed(1), 'µs wall');
};
await bench('plugin', mk('AC-bench-plugin', 'AP-plugin', 'bench'));
await bench('cache ', mk('AC-bench-cache', 'AP-cache', 'bench-cache'));
await bench('403   ', mk('AC-bench-cache', 'AP-plugin', 'bench-cache'));
const ans = await core.answerCallHook(runtime, mk('AC-bench-cache', 'AP-cache', 'bench-cache'));
console.log(ans.outcome, ans.reason);
await gw.stop();
