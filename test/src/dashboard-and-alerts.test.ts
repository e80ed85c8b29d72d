import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestGateway, type TestGateway } from './support/gateway-harness.js';
import { metricNames } from './support/metrics.js';

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const METRIC = /\b(?:graine|process|nodejs)_[a-z0-9_]+\b/g;

/** Series names a file refers to (histogram suffixes included, as queries write them). */
async function namesUsedIn(file: string): Promise<string[]> {
  return [...new Set((await readFile(`${CONFIG_DIR}${file}`, 'utf8')).match(METRIC) ?? [])].sort();
}

describe('the shipped Grafana dashboard and Prometheus alerts', () => {
  let gateway: TestGateway;
  let exported: Set<string>;
  before(async () => {
    gateway = await startTestGateway({
      accounts: { 'AC-1': { applications: { 'AP-1': { target: { plugin: 'static', options: { verbs: [{ verb: 'hangup' }] } } } } } },
    });
    exported = metricNames(await (await fetch(`${gateway.url}/metrics`)).text());
  });
  after(() => gateway.stop());

  const exists = (name: string) => exported.has(name) || exported.has(name.replace(/_(bucket|count|sum)$/, ''));

  for (const file of ['grafana-dashboard.json', 'prometheus-alerts.yaml']) {
    it(`${file} uses only series a running gateway exports`, async () => {
      const used = await namesUsedIn(file);
      expect(used.length).to.be.greaterThan(5);
      expect(used.filter((name) => !exists(name)), 'names missing from a live scrape').to.deep.equal([]);
    });
  }

  it('the alerts cover fallback rate, open breakers, latency near the deadline, auth-failure spikes and status queue drops', async () => {
    const rules = await readFile(`${CONFIG_DIR}prometheus-alerts.yaml`, 'utf8');
    for (const alert of ['GraineFallbackRateHigh', 'GraineBreakerOpen', 'GraineHookLatencyNearDeadline', 'GraineAuthFailureSpike', 'GraineStatusQueueDrops']) {
      expect(rules).to.include(`alert: ${alert}`);
    }
  });

  it('the dashboard is valid JSON whose panels all query Prometheus', async () => {
    const dashboard = JSON.parse(await readFile(`${CONFIG_DIR}grafana-dashboard.json`, 'utf8')) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(panels.length).to.be.greaterThan(10);
    for (const panel of panels) expect(panel.targets?.length, JSON.stringify(panel).slice(0, 80)).to.be.greaterThan(0);
  });
});
