/** One scrape of /metrics: every sample, keyed `name{label="value",…}` with labels sorted by name. */
export type Samples = Map<string, number>;

export async function scrape(url: string): Promise<Samples> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseExposition(await response.text());
}

/** Parses the Prometheus text format (as prom-client writes it). */
export function parseExposition(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    samples.set(seriesKey(match[1]!, parseLabels(match[2] ?? '')), Number(match[3]));
  }
  return samples;
}

export function seriesKey(name: string, labels: Record<string, string> = {}): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}

/**
 * The gateway's own series that moved between two scrapes, with how much. Histogram buckets and sums
 * are left out (their values depend on timing); `_count` stays, so every observation still shows.
 */
export function moved(before: Samples, after: Samples): Record<string, number> {
  const changes: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.startsWith('graine_') || /_bucket\{|_sum\{|_sum$/.test(key)) continue;
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) changes[key] = delta;
  }
  return changes;
}

/** Metric family names (from `# TYPE` lines) in an exposition. */
export function metricNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
}
