// The pack-objects cache on disk: its hook script, the upload-pack settings that use it, and its sweep (size, age, leftovers).
import { promises as fs, readFileSync, statSync, openSync, readSync, closeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { filesStamp } from './refs-stamp';
import { writeScript } from './hooks/install';
import { ResponseCache } from './response-cache';

// The script ships beside the other hooks (copied into dist/ by the build; read from src/ under ts-jest).
const HOOK = readFileSync(path.join(__dirname, 'hooks', 'pack-objects.sh'), 'utf8');
// Bumped when the hook's key or entry format changes: entries of an older format are then never hit.
const FORMAT = 'heater-pack-cache 1';
// A partial pack or a lock this old has no writer left (a writer killed between its steps).
const STALE_PART_MS = 3600_000;
// lookups.log is read from where the last sweep stopped; past this size it is emptied once read.
const MAX_LOG_BYTES = 1 << 20;
/** The hook's log of lookups, one line each: `h <key>` (served an entry) or `m <key>` (computed one). */
export const LOOKUPS_FILE = 'lookups.log';

export interface PackCacheLimits {
  /** Bytes the entries may take on disk; the oldest used are removed past it. */
  readonly maxBytes: number;
  /** An entry not used for this long is removed, in milliseconds. */
  readonly maxAgeMs: number;
}

/** What the cache has done since the server started, and what it holds now. */
export interface PackCacheStats {
  /** Packs the hook served from disk, and those pack-objects computed. */
  readonly hits: number;
  readonly misses: number;
  /** Whole upload-pack answers the server sent from disk, and those git had to make. */
  readonly answerHits: number;
  readonly answerMisses: number;
  readonly bytes: number;
  readonly entries: number;
}

/**
 * A cache of pack data keyed by what `git pack-objects` is asked, shared by identical fetches
 * (those that say what they have; a clone's answer is kept whole instead): git's `uploadpack.packObjectsHook`, given on upload-pack's command line (git refuses it
 * from repository config: upload-pack.c upload_pack_config, "protected" config only). The hook
 * (hooks/pack-objects.sh) does the work per request without the server; this class installs it,
 * says how upload-pack runs it, and sweeps `<stateDir>/pack-cache/`, which is derived and may be
 * deleted at any time. In front of it, `answers` keeps whole upload-pack answers to identical
 * clone requests (response-cache.ts): a clone storm's later clones then run no git at all, and the
 * upload-pack making such an answer runs without the hook (smart-http.ts rpc).
 */
export class PackCache {
  private hits = 0;
  private misses = 0;
  private logOffset = 0;
  private bytes = 0;
  private entryCount = 0;
  private sweeping: Promise<void> | null = null;
  private again = false;
  private soon: NodeJS.Timeout | undefined;
  private readonly every: NodeJS.Timeout;
  /** upload-pack answers kept whole, in `<dir>/responses`; swept with the packs. */
  readonly answers: ResponseCache;

  private constructor(readonly dir: string, private readonly salt: string, private readonly limits: PackCacheLimits, private readonly log: (msg: string) => void) {
    this.answers = new ResponseCache(path.join(dir, 'responses'), salt);
    // the age limit is kept even when nobody clones; a sweep is cheap (a readdir and a stat per entry)
    this.every = setInterval(() => this.sweepSoon(0), Math.min(limits.maxAgeMs, 60_000));
    this.every.unref();
  }

  /**
   * Opens the cache under `stateDir`: installs the hook, removes what killed writers left (partial
   * packs, locks) and sweeps once. Rejects with a system error when the folder cannot be written.
   */
  static async open(stateDir: string, limits: PackCacheLimits, log: (msg: string) => void, gitVersion: string): Promise<PackCache> {
    const dir = path.join(stateDir, 'pack-cache');
    // nothing runs the hook yet: every partial and lock is a killed writer's
    await fs.rm(path.join(dir, 'tmp'), { recursive: true, force: true });
    await fs.mkdir(path.join(dir, 'tmp'), { recursive: true });
    await fs.mkdir(path.join(dir, 'entries'), { recursive: true });
    await fs.mkdir(path.join(dir, 'responses'), { recursive: true });
    const hook = path.join(dir, 'hook');
    if (await fs.readFile(hook, 'utf8').catch(() => null) !== HOOK) await writeScript(hook, HOOK);
    const cache = new PackCache(dir, `${FORMAT}; ${gitVersion}`, limits, log);
    cache.logOffset = statSync(cache.logFile, { throwIfNoEntry: false })?.size ?? 0; // counts are since this start
    await cache.sweep();
    return cache;
  }

  private get logFile(): string { return path.join(this.dir, LOOKUPS_FILE); }
  private get entriesDir(): string { return path.join(this.dir, 'entries'); }

  /** The `-c` options that make upload-pack run pack-objects through the hook. */
  uploadPackConfig(): readonly string[] {
    return ['-c', `uploadpack.packObjectsHook=${shellWord(path.join(this.dir, 'hook'))}`];
  }

  /**
   * The environment the hook reads for a fetch from `gitDir` (git passes it on from upload-pack). It
   * holds a stamp of the ref files: a pack's content can depend on the refs as well as on its input
   * (`--include-tag` adds the tags that point into it), so an entry never outlives a ref change.
   * Refs changed in the last 20 ms stamp as '' (not yet trusted), and the hook then runs pack-objects itself.
   */
  env(gitDir: string): Readonly<Record<string, string>> {
    return { HEATER_PACK_CACHE_DIR: this.dir, HEATER_PACK_CACHE_SALT: this.salt, HEATER_PACK_CACHE_REFS: filesStamp(gitDir) };
  }

  /** Called when an upload-pack exited: it may have written an entry, so a sweep follows within a second. */
  afterFetch(): void {
    this.sweepSoon(1000);
  }

  /** Hits and misses since the start (from lookups.log, read now) and the entries' size at the last sweep. */
  stats(): PackCacheStats {
    this.readLookups();
    return { hits: this.hits, misses: this.misses, answerHits: this.answers.hits, answerMisses: this.answers.misses, bytes: this.bytes, entries: this.entryCount };
  }

  /**
   * Reads the lookups the hook logged, marks the entries hit as used (their mtime: the hook does
   * not touch them, which would cost a process per clone), then removes entries unused for longer
   * than the age limit and the least recently used past the size limit, and partials and locks
   * whose writer is gone. One sweep at a time; a call during one runs another after it.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) { this.again = true; return this.sweeping; }
    this.sweeping = (async () => {
      try {
        do { this.again = false; await this.sweepOnce(); } while (this.again);
      } catch (e) {
        this.log(`pack cache: the sweep of ${this.dir} failed: ${(e as Error).message}`);
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  /** Stops the timers; a sweep under way finishes. */
  async close(): Promise<void> {
    clearInterval(this.every);
    clearTimeout(this.soon);
    await this.sweeping;
  }

  private sweepSoon(ms: number): void {
    if (this.soon) return;
    this.soon = setTimeout(() => { this.soon = undefined; void this.sweep(); }, ms);
    this.soon.unref();
  }

  private async sweepOnce(): Promise<void> {
    const now = Date.now();
    const used = [...this.readLookups()].map((key) => path.join(this.entriesDir, `${key}.pack`));
    for (const key of this.answers.used) used.push(path.join(this.answers.dir, key));
    this.answers.used.clear();
    const when = new Date(now);
    await Promise.all(used.map((file) => fs.utimes(file, when, when).catch(() => { /* evicted meanwhile */ })));
    // packs and answers share the bound: an answer holds its pack again, side-band framed
    const entries = [...await statAll(this.entriesDir), ...await statAll(this.answers.dir)];
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = entries.reduce((n, e) => n + e.size, 0);
    let count = entries.length;
    for (const e of entries) {
      if (total <= this.limits.maxBytes && now - e.mtimeMs <= this.limits.maxAgeMs) break;
      // a hook serving this entry holds it open: unlinking it does not cut that clone short
      await fs.rm(e.file, { force: true });
      total -= e.size;
      count--;
    }
    this.bytes = total;
    this.entryCount = count;
    for (const e of await statAll(path.join(this.dir, 'tmp'))) {
      if (now - e.mtimeMs > STALE_PART_MS) await fs.rm(e.file, { force: true });
    }
  }

  /** Counts the lookups logged since the last read; returns the keys hit. Never throws. */
  private readLookups(): Set<string> {
    const hit = new Set<string>();
    let fd: number;
    try { fd = openSync(this.logFile, 'r+'); } catch { return hit; }
    try {
      const size = statSync(this.logFile).size;
      if (size < this.logOffset) this.logOffset = 0; // emptied by hand
      const buf = Buffer.alloc(size - this.logOffset);
      const n = buf.length > 0 ? readSync(fd, buf, 0, buf.length, this.logOffset) : 0;
      const text = buf.subarray(0, n).toString('latin1');
      const whole = text.lastIndexOf('\n') + 1; // a line still being appended is read next time
      for (const line of text.slice(0, whole).split('\n')) {
        if (!/^[hm] [0-9a-f]{64}$/.test(line)) continue;
        if (line[0] === 'h') { this.hits++; hit.add(line.slice(2)); } else this.misses++;
      }
      this.logOffset += whole;
      // the few lookups logged between this read and the truncation go uncounted: a counter, not a record
      if (this.logOffset > MAX_LOG_BYTES) { ftruncateSync(fd, 0); this.logOffset = 0; }
    } catch (e) {
      this.log(`pack cache: cannot read ${this.logFile}: ${(e as Error).message}`);
    } finally {
      closeSync(fd);
    }
    return hit;
  }
}

/** The files of `dir` with their size and mtime; none when it does not exist. */
async function statAll(dir: string): Promise<{ file: string; size: number; mtimeMs: number }[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const stats = await Promise.all(names.map(async (n) => {
    const file = path.join(dir, n);
    const st = await fs.stat(file).catch(() => null);
    return st?.isFile() ? { file, size: st.size, mtimeMs: st.mtimeMs } : null;
  }));
  return stats.filter((s) => s !== null);
}


/**
 * `file` as one word of a shell command: git runs the hook through `sh -c` when its value holds
 * shell metacharacters (run-command.c prepare_shell_cmd), and directly, one process less, when not.
 */
function shellWord(file: string): string {
  return /^[A-Za-z0-9_./,+@-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}
