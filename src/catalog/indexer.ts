// Keeps the catalog in step with git: one template at a time on writes, every repository at start-up (healing).
import type { RepoStore, TemplateId } from '../git/store';
import type { Registry, TemplateReading } from '../registry/registry';
import { NotFoundError } from '../errors/not-found-error';
import type { WriteEvent } from '../events/write-events';
import type { CatalogStamp, CatalogStore, CatalogWriter } from './catalog-store';
import { NotDirect } from '../git/direct-reader';
import { catalogEntry } from './catalog-entry';
import { versionRecordsOf } from './version-records';
import { filesStamp, refsHash } from '../git/refs-stamp';

/** What a heal found. */
export interface HealReport {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly ms: number;
}

/** What heal() reports along the way. */
export interface HealOptions {
  /** Each repository read, of how many. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Git lock files seen in a repository while its folders are stamped (for the start-up sweep). */
  readonly onLocks?: (paths: readonly string[]) => void;
}

/** What reindexing one template did. */
export type ReindexOutcome = 'added' | 'changed' | 'unchanged' | 'removed' | 'absent';

// Repositories read at once while healing (most are read in-process; the others spawn a few short git processes).
const HEAL_CONCURRENCY = 8;
// Templates written per transaction while healing.
const BATCH = 500;
// A write's reindex that failed is tried again after 1 s, then twice as long each time, at most a minute apart.
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;
/** Resolves on the event loop's next turn (after the I/O and microtasks of this one). */
const nextTurn = () => new Promise<void>((resolve) => { setImmediate(resolve); });

/** Reads templates through the registry and writes their entries, each in its own transaction. */
export class Indexer {
  /** The running reindex of each template: a second one waits for the first, so entries never go back in time. */
  private readonly running = new Map<string, Promise<ReindexOutcome>>();
  private closed = false;
  /** Templates whose reindex after a write failed, each with the timer of its next try. */
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: RepoStore,
    private readonly registry: Registry,
    private readonly catalog: CatalogStore,
    private readonly warn: (msg: string) => void,
  ) {}

  /**
   * The write-event subscriber: starts re-reading the template written to and returns at once, so
   * the write answers before its reindex runs (5-15 ms of reading and validating the new version).
   * Readers of the index wait for it through settled() (ReadBarrierCatalog): a client that writes and
   * then searches still finds its write. A settings change needs nothing: access is decided per query.
   */
  onWrite = (e: WriteEvent): void => {
    if (!e.template) return;
    const t = e.template;
    this.reindex(t).catch((err: unknown) => {
      // the write has happened: the entry is behind git until a try succeeds (or the next start heals it)
      this.warn(`catalog: cannot index ${t.id} after a write: ${(err as Error).message}; trying again`);
      this.retryLater(t, 0);
    });
  };

  /**
   * Resolves once the reindexes under way now (of `id`, or of every template) have ended, failed
   * ones included; null when none is under way (the common case: nothing to wait for). Reindexes
   * started later are not waited for.
   */
  settled(id?: string): Promise<void> | null {
    const waits = id === undefined ? [...this.running.values()] : [this.running.get(id)].filter((p) => p !== undefined);
    return waits.length === 0 ? null : Promise.allSettled(waits).then(() => undefined);
  }

  /** How many templates have a reindex under way. */
  get pending(): number {
    return this.running.size;
  }

  /** How many templates' entries are behind git, waiting for another try after a failed reindex. */
  get behind(): number {
    return this.retries.size;
  }

  private retryLater(t: TemplateId, attempt: number): void {
    if (this.closed || this.retries.has(t.id)) return;
    const ms = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
    const timer = setTimeout(() => {
      this.reindex(t).then(() => { this.retries.delete(t.id); }, (err: unknown) => {
        this.retries.delete(t.id);
        this.warn(`catalog: cannot index ${t.id} yet (try ${attempt + 2}): ${(err as Error).message}; trying again`);
        this.retryLater(t, attempt + 1);
      });
    }, ms);
    timer.unref();
    this.retries.set(t.id, timer);
  }

  /**
   * Brings one template's entry up to date with git: removed when the repository is gone,
   * restamped when its refs are what the entry was read from, read again otherwise. Never throws
   * NotFoundError; other errors (an unreadable repository) pass through.
   */
  reindex(t: TemplateId, knownFiles?: string): Promise<ReindexOutcome> {
    if (this.closed) return Promise.resolve('unchanged'); // shutting down: the next start heals what this would have done
    const before = this.running.get(t.id) ?? Promise.resolve<ReindexOutcome>('unchanged');
    // The read starts on the event loop's next turn, not in this one's microtasks: a write event's
    // subscribers run before the write answers, and a read whose steps resolve from memory (and its
    // SQLite transaction) would otherwise run ahead of the answer, 3-4 ms on the pusher's clock.
    const next = before.catch(() => 'unchanged' as const).then(nextTurn).then(() => this.read(t, knownFiles));
    this.running.set(t.id, next);
    void next.catch(() => undefined).finally(() => { if (this.running.get(t.id) === next) this.running.delete(t.id); });
    return next;
  }

  /**
   * What reindex(t) would do now, without writing anything: 'unchanged' when the entry holds what
   * git holds (a stale stat stamp alone does not count), else 'added', 'changed' or 'removed' (or
   * 'absent'). Read in-process where it can. Errors (an unreadable repository) pass through.
   */
  async compare(t: TemplateId): Promise<ReindexOutcome> {
    return (await this.plan(t, await this.catalog.stamp(t.id), undefined, true)).outcome;
  }

  private async read(t: TemplateId, knownFiles?: string): Promise<ReindexOutcome> {
    // one template on a write: through git (its readers are asynchronous, so a large blob never holds up the event loop)
    const { outcome, write } = await this.plan(t, await this.catalog.stamp(t.id), knownFiles, false);
    if (write) await this.catalog.transaction(write);
    return outcome;
  }

  /** What bringing `t`'s entry up to date takes, given its `stored` stamp: the outcome and the writes (none when unchanged). */
  private async plan(t: TemplateId, stored: CatalogStamp | undefined, knownFiles: string | undefined, direct: boolean): Promise<{ outcome: ReindexOutcome; write?: (w: CatalogWriter) => void }> {
    if (!(await this.store.exists(t))) {
      if (!stored) return { outcome: 'absent' };
      return { outcome: 'removed', write: (w) => w.remove(t.id) };
    }
    // stamped before reading: a write landing during the read leaves a stamp that does not match, so the next heal reads again
    const files = knownFiles ?? filesStamp(this.store.gitDir(t));
    const plan = async (r: TemplateReading): Promise<{ outcome: ReindexOutcome; write?: (w: CatalogWriter) => void }> => {
      const src = r.sources;
      const refs = refsHash(src.refs, [src.repoDescription, src.detail.created]);
      if (stored?.refs === refs) {
        return { outcome: 'unchanged', write: stored.files !== files ? (w) => w.restamp(t.id, { files, refs }) : undefined };
      }
      const entry = catalogEntry(src);
      // new versions are compared with their predecessors here, once, through the same reader and snapshot; the route only reads the result
      const records = await versionRecordsOf(r, await this.catalog.versionRecords(t.id));
      return { outcome: stored ? 'changed' : 'added', write: (w) => { w.upsert(entry, { files, refs }); w.putVersions(t.id, records); } };
    };
    try {
      return direct ? await this.readDirect(t, plan) : await this.registry.read(t, plan);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      return stored ? { outcome: 'removed', write: (w) => w.remove(t.id) } : { outcome: 'absent' };
    }
  }

  /** Runs `f` on the template read in-process, or through git when the repository has what that reader does not understand. */
  private async readDirect<R>(t: TemplateId, f: (r: TemplateReading) => Promise<R>): Promise<R> {
    try {
      return await this.registry.readDirect(t, f);
    } catch (e) {
      if (e instanceof NotDirect) return this.registry.read(t, f);
      throw e;
    }
  }

  /**
   * Compares every repository with the index (`onProgress` hears of each repository read, of how many) and re-reads only those whose ref files changed
   * (added, changed with git directly, copied in, restored), and drops entries whose repository
   * is gone. A repository that cannot be read is reported through `warn` and left as it was.
   */
  async heal(opts: HealOptions = {}): Promise<HealReport> {
    const { onProgress, onLocks } = opts;
    const t0 = Date.now();
    const [onDisk, stamps] = await Promise.all([this.store.list(), this.catalog.stamps()]);
    const counts = { added: 0, changed: 0, removed: 0, unchanged: 0, failed: 0 };
    const work: { t: TemplateId; files: string }[] = [];
    const known = new Map<string, CatalogStamp>();
    for (const t of onDisk) {
      const locks: string[] | undefined = onLocks ? [] : undefined;
      const files = filesStamp(this.store.gitDir(t), undefined, locks);
      if (locks && locks.length > 0) onLocks?.(locks);
      const stored = stamps.get(t.id);
      stamps.delete(t.id);
      if (stored) known.set(t.id, stored);
      if (stored && files !== '' && stored.files === files) counts.unchanged++; else work.push({ t, files });
    }
    if (stamps.size > 0) {
      const gone = [...stamps.keys()];
      await this.catalog.transaction((w) => { for (const id of gone) w.remove(id); });
      counts.removed += gone.length;
    }
    // The writes are batched, many templates per transaction: heal runs before the server takes
    // requests (and rebuild with it stopped), so no write event races a batched entry.
    let batch: ((w: CatalogWriter) => void)[] = [];
    const flush = async () => {
      const writes = batch;
      batch = [];
      if (writes.length > 0) await this.catalog.transaction((w) => { for (const write of writes) write(w); });
    };
    let i = 0;
    let done = 0;
    const worker = async () => {
      for (let job = work[i++]; job; job = work[i++]) {
        try {
          const { outcome, write } = await this.plan(job.t, known.get(job.t.id), job.files, true);
          if (write) batch.push(write);
          if (batch.length >= BATCH) await flush();
          if (outcome !== 'absent') counts[outcome]++;
        } catch (e) {
          counts.failed++;
          this.warn(`catalog: cannot index ${job.t.id}: ${(e as Error).message}`);
        }
        onProgress?.(++done, work.length);
      }
    };
    await Promise.all(Array.from({ length: HEAL_CONCURRENCY }, worker));
    await flush();
    return { ...counts, ms: Date.now() - t0 };
  }

  /** Waits for the reindexes under way and takes no more. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Empties the index and reads every repository again. */
  async rebuild(onProgress?: (done: number, total: number) => void): Promise<HealReport> {
    await this.catalog.transaction((w) => w.clear());
    return this.heal({ ...(onProgress ? { onProgress } : {}) });
  }
}
