// Lru: a map bounded by the total cost (bytes, roughly) of its entries, least recently used out first.

/** Entries costing more than a quarter of the budget are not kept: one may not evict most of the rest. */
export class Lru<V> {
  private readonly map = new Map<string, { v: V; cost: number }>();
  private total = 0;
  /** Lookups that found their entry, and those that did not, since the start. */
  hits = 0;
  misses = 0;
  constructor(private readonly budget: number) {}

  /** The cost of what is kept now. */
  get bytes(): number {
    return this.total;
  }

  /** The value under `k`, marked as just used; undefined when absent. */
  get(k: string): V | undefined {
    const e = this.map.get(k);
    if (!e) { this.misses++; return undefined; }
    this.hits++;
    this.map.delete(k);
    this.map.set(k, e);
    return e.v;
  }

  /** Keeps `v` under `k` at `cost`, evicting the least recently used entries past the budget. */
  set(k: string, v: V, cost: number): void {
    if (cost > this.budget / 4) return;
    const old = this.map.get(k);
    if (old) { this.total -= old.cost; this.map.delete(k); }
    this.map.set(k, { v, cost });
    this.total += cost;
    for (const [key, e] of this.map) {
      if (this.total <= this.budget) break;
      this.map.delete(key);
      this.total -= e.cost;
    }
  }
}
