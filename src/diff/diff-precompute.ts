// Precomputes the diff and Heat summary of consecutive versions after each write, off the writer's clock, into the DiffStore.
import { SemVer, prerelease } from 'semver';
import type { TemplateId } from '../git/store';
import type { WriteEvent } from '../events/write-events';
import { versionOfTag } from '../registry/versions';
import { NotFoundError } from '../errors/not-found-error';
import { TooLargeError } from '../errors/limit-error';
import { compatibility } from './compat';
import { DEFAULT_OPTIONS, gitDiff, type Side } from './differ';
import type { DiffStore } from './diff-store';

/** A version as the precomputation needs it. */
export interface VersionSide {
  readonly version: string;
  readonly commit: string;
  readonly tree: string;
}

/** A template's versions, highest first, and its repository. */
export interface TemplateVersions {
  readonly gitDir: string;
  readonly versions: readonly VersionSide[];
}

/** Where the versions and the YAML texts come from (wired in app.ts). */
export interface PrecomputeSources {
  /** The template's versions now; throws NotFoundError when it is gone. */
  versions(t: TemplateId): Promise<TemplateVersions>;
  /** The YAML texts of a tree (what Differ.summary reads). */
  texts(gitDir: string, tree: string): Promise<ReadonlyMap<string, string>>;
  /** Every template's versions, for the fill after start-up. */
  everyTemplate(): AsyncIterable<TemplateVersions>;
}

/**
 * The pairs (older, newer) of consecutive versions among `versions` (highest first): each version
 * against the one just below it, and a release also against the release below it (the changelog's
 * "previous", which skips prereleases). Yanked versions count: they are still versions, and diffable.
 */
export function consecutivePairs(versions: readonly VersionSide[]): [VersionSide, VersionSide][] {
  const out: [VersionSide, VersionSide][] = [];
  let below: VersionSide | undefined;
  let releaseBelow: VersionSide | undefined;
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i];
    if (!v) continue;
    const isRelease = prerelease(v.version) === null;
    if (below) out.push([below, v]);
    if (isRelease && releaseBelow && releaseBelow !== below) out.push([releaseBelow, v]);
    below = v;
    if (isRelease) releaseBelow = v;
  }
  return out;
}

/** The pairs whose range (older to newer, both included) holds one of `touched`: those a write of these versions made or changed. */
export function pairsTouching(versions: readonly VersionSide[], touched: ReadonlySet<string>): [VersionSide, VersionSide][] {
  const marks = [...touched].map((v) => new SemVer(v));
  return consecutivePairs(versions).filter(([a, b]) => {
    const lo = new SemVer(a.version);
    const hi = new SemVer(b.version);
    return marks.some((m) => lo.compare(m) <= 0 && m.compare(hi) <= 0);
  });
}

interface PairJob {
  readonly gitDir: string;
  readonly from: Side;
  readonly to: Side;
  /** False for the fill: it only uses room that is free, never removes an entry. */
  readonly evict: boolean;
}

// A write's pairs are computed this long after it, so its answer (its other subscribers, the response) goes out first.
const AFTER_WRITE_MS = 50;
// The fill takes a step only when the server has answered nothing for this long, and looks again this often.
const FILL_QUIET_MS = 200;

/**
 * One queue, one pair at a time: the templates written to (their pairs found from a fresh read of
 * their versions, so a burst of publishes to one template is one job), pairs found damaged, then,
 * lowest, the fill of every template's missing pairs after start-up, only while the server is
 * quiet. Failures are logged and counted; nothing here reaches a writer.
 */
export class DiffPrecompute {
  private readonly templates = new Map<string, { t: TemplateId; touched: Set<string> }>();
  /** Pairs of writes (and damaged entries), then the fill's: two queues, so a write's pairs never wait behind the fill's. */
  private readonly pairs: PairJob[] = [];
  private readonly fillPairs: PairJob[] = [];
  private readonly queuedPairs = new Set<string>();
  private fillSource: AsyncIterator<TemplateVersions> | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];
  /** Pairs computed and kept, and pairs that failed, since the start. */
  readonly counts = { done: 0, failed: 0 };

  /**
   * `isQuiet(ms)`: whether the server answered nothing for `ms`; the fill runs only then (the pairs of
   * writes do not wait: they are few, and a busy server would never get them).
   */
  constructor(
    private readonly store: DiffStore,
    private readonly sources: PrecomputeSources,
    private readonly warn: (msg: string) => void,
    private readonly isQuiet: (ms: number) => boolean = () => true,
  ) {}

  /** The write-event subscriber: queues the template's pairs when version tags moved, and returns at once. */
  onWrite = (e: WriteEvent): void => {
    if (!e.ok || !e.template || !this.store.isEnabled || this.closed) return;
    const versions = e.refs.map((r) => (r.ref.startsWith('refs/tags/') ? versionOfTag(r.ref.slice('refs/tags/'.length)) : null)).filter((v): v is string => v !== null);
    if (versions.length === 0) return;
    const job = this.templates.get(e.template.id) ?? { t: e.template, touched: new Set<string>() };
    for (const v of versions) job.touched.add(v);
    this.templates.set(e.template.id, job);
    this.schedule(AFTER_WRITE_MS);
  };

  /** Queues one pair again (its entry was found damaged). */
  again = (gitDir: string, from: Side, to: Side): void => {
    if (!this.store.isEnabled || this.closed) return;
    this.queuePair({ gitDir, from, to, evict: true });
    this.schedule(AFTER_WRITE_MS);
  };

  /** Starts filling the missing pairs of every template, behind the writes' pairs, while the store has room. */
  fill(): void {
    if (!this.store.isEnabled || this.closed) return;
    this.fillSource = this.sources.everyTemplate()[Symbol.asyncIterator]();
    this.schedule(0);
  }

  /** Jobs waiting or running: templates written to, pairs, the fill (1 while it runs). */
  get queued(): number {
    return this.templates.size + this.pairs.length + this.fillPairs.length + (this.fillSource ? 1 : 0) + (this.running ? 1 : 0);
  }

  /** Resolves once nothing is queued or running. */
  settled(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Takes no more work and waits for the pair being computed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.templates.clear();
    this.pairs.length = 0;
    this.fillPairs.length = 0;
    this.queuedPairs.clear();
    this.fillSource = undefined;
    if (this.running) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.wake();
  }

  private isIdle(): boolean {
    return !this.running && (this.closed || (this.timer === undefined && this.queued === 0));
  }

  private wake(): void {
    if (!this.isIdle()) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private schedule(ms: number): void {
    if (this.running || this.timer || this.closed) return;
    this.timer = setTimeout(() => { this.timer = undefined; void this.run(); }, ms);
    this.timer.unref(); // background work never keeps a process alive
  }

  private queuePair(job: PairJob): void {
    if (this.closed) return; // a plan finishing after close() queues nothing
    const key = `${job.from.tree}-${job.to.tree}`;
    if (this.queuedPairs.has(key)) return;
    this.queuedPairs.add(key);
    (job.evict ? this.pairs : this.fillPairs).push(job);
  }

  private async run(): Promise<void> {
    this.running = true;
    let busy = false;
    try {
      while (!this.closed) {
        const next = this.templates.values().next();
        if (!next.done) {
          this.templates.delete(next.value.t.id);
          await this.planTemplate(next.value.t, next.value.touched);
        } else if (this.pairs.length === 0 && (this.fillPairs.length > 0 || this.fillSource) && !this.isQuiet(FILL_QUIET_MS)) {
          busy = true; // requests first: the fill waits for a quiet moment
          break;
        } else if (this.pairs.length > 0 || this.fillPairs.length > 0) {
          const job = (this.pairs.shift() ?? this.fillPairs.shift()) as PairJob;
          this.queuedPairs.delete(`${job.from.tree}-${job.to.tree}`);
          const kept = await this.compute(job);
          if (!kept && !job.evict) this.stopFill(); // the store is full: the fill stops
        } else if (this.fillSource) {
          await this.planFill(this.fillSource);
        } else break;
        await new Promise((resolve) => setImmediate(resolve)); // requests that arrived meanwhile go first
      }
    } finally {
      this.running = false;
      if (busy) this.schedule(FILL_QUIET_MS);
      this.wake();
    }
  }

  private stopFill(): void {
    this.fillSource = undefined;
    for (const j of this.fillPairs) this.queuedPairs.delete(`${j.from.tree}-${j.to.tree}`);
    this.fillPairs.length = 0;
  }

  private async planTemplate(t: TemplateId, touched: ReadonlySet<string>): Promise<void> {
    let tv: TemplateVersions;
    try {
      tv = await this.sources.versions(t);
    } catch (e) {
      if (!(e instanceof NotFoundError)) { this.counts.failed++; this.warn(`diffs: cannot read the versions of ${t.id}: ${(e as Error).message}`); }
      return;
    }
    await this.queueMissing(tv, pairsTouching(tv.versions, touched), true);
  }

  private async planFill(source: AsyncIterator<TemplateVersions>): Promise<void> {
    let r: IteratorResult<TemplateVersions>;
    try { r = await source.next(); } catch (e) {
      this.warn(`diffs: the fill stopped: ${(e as Error).message}`);
      this.fillSource = undefined;
      return;
    }
    if (r.done || this.closed) { this.fillSource = undefined; return; }
    // newest pairs first: they are the ones asked for
    await this.queueMissing(r.value, consecutivePairs(r.value.versions).reverse(), false);
  }

  private async queueMissing(tv: TemplateVersions, pairs: readonly [VersionSide, VersionSide][], evict: boolean): Promise<void> {
    for (const [a, b] of pairs) {
      if (a.tree === '' || b.tree === '' || await this.store.has(a.tree, b.tree).catch(() => false)) continue;
      this.queuePair({ gitDir: tv.gitDir, from: { commit: a.commit, tree: a.tree }, to: { commit: b.commit, tree: b.tree }, evict });
    }
  }

  /** Computes and keeps one pair; false only when the store had no room for it. Never throws. */
  private async compute(job: PairJob): Promise<boolean> {
    try {
      if (await this.store.has(job.from.tree, job.to.tree)) return true;
      const raw = await gitDiff(job.gitDir, job.from, job.to, DEFAULT_OPTIONS, true);
      const [a, b] = await Promise.all([this.sources.texts(job.gitDir, job.from.tree), this.sources.texts(job.gitDir, job.to.tree)]);
      const kept = await this.store.put(job.from.tree, job.to.tree, { raw, summary: compatibility(a, b) }, job.evict);
      if (kept === 'kept') this.counts.done++;
      return kept !== 'no-room';
    } catch (e) {
      if (e instanceof TooLargeError) return true; // asked for, it is refused the same way: nothing to keep
      this.counts.failed++;
      this.warn(`diffs: cannot precompute ${job.from.commit.slice(0, 12)}..${job.to.commit.slice(0, 12)} in ${job.gitDir}: ${(e as Error).message}`);
      return true;
    }
  }
}
