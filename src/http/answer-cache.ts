// Whole answers kept in memory by URL: status, headers and body as the route sent them, bounded in bytes.

/** An answer as a route sent it, kept to be sent again while `isCurrent()` holds. */
export interface CachedAnswer {
  readonly status: number;
  /**
   * Header names and values in the order the route set them (`[name, value, name, value, …]`),
   * X-Request-Id first with its value (index 1) left for each answer to fill in.
   */
  readonly headers: string[];
  /** The same, without the headers about the body (Content-Type, -Length, -Disposition): a 304's. */
  readonly notModified: string[];
  readonly body: Buffer;
  /** The ETag the route sent, quotes included; null when it sent none (no 304 from the cache then). */
  readonly etag: string | null;
  /** The route template and the template it names, for the access line and the metrics. */
  readonly route: string;
  readonly template: string | undefined;
  /** True while everything the answer was computed from is unchanged (the checks are cheap: no system call most of the time). */
  readonly isCurrent: () => boolean;
}

interface Slot {
  readonly answer: CachedAnswer;
  readonly cost: number;
  /** Used since the clock hand last passed (second chance). */
  used: boolean;
}

/** Bytes an entry costs beyond its body and headers: the key, the slot, the closure. */
const OVERHEAD = 512;

/**
 * Answers by request URL, bounded by the bytes they hold. Eviction is CLOCK (second chance): a hit
 * only sets a flag, so a hit costs one Map lookup and no reordering. An answer larger than
 * `maxEntry` is not kept. An answer that is no longer current is dropped when next asked for.
 */
export class AnswerCache {
  private readonly slots = new Map<string, Slot>();
  private total = 0;
  /** Lookups that found a current answer, and those that did not, since the start. */
  hits = 0;
  misses = 0;

  constructor(readonly budget: number, readonly maxEntry = Math.floor(budget / 8)) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /** How many answers are held. */
  get size(): number {
    return this.slots.size;
  }

  /** The current answer for `url`, or undefined (then counted as a miss). */
  get(url: string): CachedAnswer | undefined {
    const slot = this.slots.get(url);
    if (slot && slot.answer.isCurrent()) {
      slot.used = true;
      this.hits++;
      return slot.answer;
    }
    if (slot) this.drop(url, slot);
    this.misses++;
    return undefined;
  }

  /** Keeps `answer` for `url` (replacing any), evicting past the budget; too large an answer is not kept. */
  set(url: string, answer: CachedAnswer): void {
    const cost = answer.body.length + answer.headers.reduce((n, h) => n + h.length, 0) + url.length + OVERHEAD;
    if (this.budget <= 0 || cost > this.maxEntry) return;
    const old = this.slots.get(url);
    if (old) this.drop(url, old);
    this.slots.set(url, { answer, cost, used: false });
    this.total += cost;
    this.evict();
  }

  /** Drops every answer (an operator's reset; writes need not call it, answers check themselves). */
  clear(): void {
    this.slots.clear();
    this.total = 0;
  }

  private drop(url: string, slot: Slot): void {
    this.slots.delete(url);
    this.total -= slot.cost;
  }

  private evict(): void {
    while (this.total > this.budget) {
      const first = this.slots.entries().next();
      if (first.done) return;
      const [url, slot] = first.value;
      this.slots.delete(url);
      if (slot.used && slot.answer.isCurrent()) {
        slot.used = false; // second chance: to the back of the line
        this.slots.set(url, slot);
      } else {
        this.total -= slot.cost;
      }
    }
  }
}
