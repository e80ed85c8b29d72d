/** The label value that stands for every name outside the named set. */
export const OTHER_LABEL = 'other';

/**
 * Keeps a metric label's values few at any number of tenants: at most `limit` names are used as label
 * values, and every other name is counted under `other`. Which names are named follows traffic: each
 * window counts hits, and `rebalance()` names the `limit` busiest (a named name keeps its place on a tie,
 * so a quiet minute does not make series flap). Hits are counted for at most `trackLimit` distinct
 * names a window, so memory stays bounded too.
 */
export class BusiestNames {
  private named = new Set<string>();
  private hits = new Map<string, number>();

  constructor(
    readonly limit: number,
    private readonly trackLimit = Math.max(1000, limit * 10),
  ) {}

  /** The label value for `name`, counting one hit. A free place goes to the first name that asks. */
  label(name: string): string {
    if (this.limit <= 0) return OTHER_LABEL;
    const seen = this.hits.get(name);
    if (seen !== undefined) this.hits.set(name, seen + 1);
    else if (this.hits.size < this.trackLimit) this.hits.set(name, 1);
    if (this.named.has(name)) return name;
    if (this.named.size < this.limit) {
      this.named.add(name);
      return name;
    }
    return OTHER_LABEL;
  }

  /** The label value for `name` without counting a hit (for gauges computed at scrape time). */
  peek(name: string): string {
    return this.named.has(name) ? name : OTHER_LABEL;
  }

  get namedCount(): number {
    return this.named.size;
  }

  /** Names the busiest of the window that ends now; returns the names that lost their place. */
  rebalance(): string[] {
    if (this.limit <= 0 || this.hits.size === 0) return [];
    const candidates = new Set([...this.named, ...this.hits.keys()]);
    const ranked = [...candidates].sort(
      (a, b) => (this.hits.get(b) ?? 0) - (this.hits.get(a) ?? 0) || Number(this.named.has(b)) - Number(this.named.has(a)),
    );
    const next = new Set(ranked.slice(0, this.limit));
    const demoted = [...this.named].filter((name) => !next.has(name));
    this.named = next;
    this.hits = new Map();
    return demoted;
  }
}
