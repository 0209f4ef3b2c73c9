// Precomputed diffs on disk (.heater/diffs/): the patch and Heat summary of a tree pair, a derived cache bounded in bytes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../state/atomic-file';
import type { Compat } from './compat';

/** What is kept for a pair of trees: `git diff` with the default options (-M -U3, all paths, not --binary) and the Heat summary. */
export interface StoredDiff {
  readonly raw: Buffer;
  readonly summary: Compat;
}

/** A lookup's answer: the entry, none, or a file that was there but unreadable (now removed). */
export type StoreLookup = { readonly found: StoredDiff } | 'missing' | 'corrupt';

/** Lookups since the start, and what is kept. */
export interface DiffStoreStats {
  readonly hits: number;
  readonly misses: number;
  readonly corrupt: number;
  readonly entries: number;
  readonly bytes: number;
}

// The first line of every entry; a new layout gets a new number, and entries of another are not read.
const MAGIC = 'heater-diff 1';
const TREE = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const ENTRY = /^([0-9a-f]{40,64})-([0-9a-f]{40,64})$/;
// Which git wrote the entries: another git may print another diff (rename scoring, headers), so a change of git empties the folder.
const STAMP = 'git-version';

/**
 * One file per tree pair, `<from>-<to>`: a header line (the two trees, the lengths, a SHA-256 of
 * both trees and the content), the patch bytes, the summary as JSON. Written whole (temp file,
 * fsync, rename); read back only when the header names the pair asked for and the hash holds, so
 * a half-written or damaged file is never served (it is removed). Past `maxBytes` the oldest
 * entries (by when they were written) are removed.
 */
export class DiffStore {
  private index: Promise<Map<string, number>> | undefined;
  /** The same map once listed (for stats and removals that need not wait for the listing). */
  private listed: Map<string, number> | undefined;
  private total = 0;
  private hits = 0;
  private misses = 0;
  private corrupt = 0;

  private constructor(readonly dir: string, private readonly maxBytes: number) {}

  /**
   * The store in `dir`, emptied first when its entries were written by another git than `gitVersion`
   * (`git --version`'s line). `maxBytes` 0 keeps nothing. Throws the system error of a failed step.
   */
  static async open(dir: string, maxBytes: number, gitVersion: string): Promise<DiffStore> {
    if (maxBytes > 0) {
      const stamp = path.join(dir, STAMP);
      const seen = await fs.readFile(stamp, 'utf8').catch(() => '');
      if (seen !== `${gitVersion}\n`) {
        await fs.rm(dir, { recursive: true, force: true });
        await writeFileAtomic(stamp, `${gitVersion}\n`, 0o644);
      }
    }
    return new DiffStore(dir, maxBytes);
  }

  /** Whether the store keeps anything at all. */
  get isEnabled(): boolean {
    return this.maxBytes > 0;
  }

  /** The entry for the pair, if one is kept and reads back whole; a damaged one is removed. Never throws. */
  async get(from: string, to: string): Promise<StoreLookup> {
    if (!this.isEnabled || !TREE.test(from) || !TREE.test(to)) { this.misses++; return 'missing'; }
    const name = `${from}-${to}`;
    let buf: Buffer;
    try { buf = await fs.readFile(path.join(this.dir, name)); } catch { this.misses++; return 'missing'; }
    const found = decode(buf, from, to);
    if (found) { this.hits++; return { found }; }
    this.corrupt++;
    await this.remove(name);
    return 'corrupt';
  }

  /** Whether an entry for the pair is kept (by the list of entries, not by reading it). */
  async has(from: string, to: string): Promise<boolean> {
    return this.isEnabled && (await this.entries()).has(`${from}-${to}`);
  }

  /**
   * Keeps `entry` for the pair. To make room the oldest entries are removed, unless `evict` is
   * false: then it is 'no-room' when the store is full. 'too-large' for an entry bigger than the
   * whole store. Throws the system error of a failed write.
   */
  async put(from: string, to: string, entry: StoredDiff, evict = true): Promise<'kept' | 'no-room' | 'too-large'> {
    if (!TREE.test(from) || !TREE.test(to)) throw new Error(`not a pair of tree ids: ${from.slice(0, 70)} ${to.slice(0, 70)}`);
    if (!this.isEnabled) return 'no-room';
    const buf = encode(from, to, entry);
    if (buf.length > this.maxBytes) return 'too-large';
    const index = await this.entries();
    const name = `${from}-${to}`;
    const old = index.get(name) ?? 0;
    if (this.total - old + buf.length > this.maxBytes && !evict) return 'no-room';
    for (const [victim] of index) {
      if (this.total - old + buf.length <= this.maxBytes) break;
      if (victim !== name) await this.remove(victim);
    }
    await writeFileAtomic(path.join(this.dir, name), buf, 0o644);
    index.delete(name);
    this.total -= old;
    index.set(name, buf.length); // newest last: the map's order is the eviction order
    this.total += buf.length;
    return 'kept';
  }

  /** Lookups so far and what is kept (entries and bytes are 0 until the folder was first listed). */
  stats(): DiffStoreStats {
    return { hits: this.hits, misses: this.misses, corrupt: this.corrupt, entries: this.listed?.size ?? 0, bytes: this.total };
  }

  /** The entries and their sizes, oldest first: the folder is listed once (by the first writer, off start-up), then kept up to date. */
  private entries(): Promise<Map<string, number>> {
    // a listing that failed (the folder unreadable) is tried again by the next caller
    this.index ??= this.list().then((m) => { this.listed = m; return m; }, (e: unknown) => { this.index = undefined; throw e; });
    return this.index;
  }

  private async list(): Promise<Map<string, number>> {
    await fs.mkdir(this.dir, { recursive: true });
    const found: { name: string; size: number; mtime: number }[] = [];
    for (const name of await fs.readdir(this.dir)) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) { await fs.rm(file, { force: true }); continue; } // left by a write that was cut
      if (!ENTRY.test(name)) continue;
      const st = await fs.stat(file).catch(() => null);
      if (st?.isFile()) found.push({ name, size: st.size, mtime: st.mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1));
    const out = new Map(found.map((f) => [f.name, f.size]));
    this.total = found.reduce((n, f) => n + f.size, 0);
    // a smaller bound than the last run's: trimmed at once
    for (const [name] of out) { if (this.total <= this.maxBytes) break; await this.removeFrom(out, name); }
    return out;
  }

  private async remove(name: string): Promise<void> {
    const index = this.listed;
    if (index) await this.removeFrom(index, name); else await fs.rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
  }

  private async removeFrom(index: Map<string, number>, name: string): Promise<void> {
    const size = index.get(name);
    if (size !== undefined) { index.delete(name); this.total -= size; }
    await fs.rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
  }
}

function digest(from: string, to: string, raw: Buffer, summary: Buffer): string {
  return createHash('sha256').update(`${from} ${to}\n`).update(raw).update(summary).digest('hex');
}

function encode(from: string, to: string, entry: StoredDiff): Buffer {
  const summary = Buffer.from(JSON.stringify(entry.summary), 'utf8');
  const header = `${MAGIC} ${from} ${to} ${entry.raw.length} ${summary.length} ${digest(from, to, entry.raw, summary)}\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), entry.raw, summary]);
}

/** The entry in `buf` when it is whole and for the pair `from`-`to`, else undefined. */
function decode(buf: Buffer, from: string, to: string): StoredDiff | undefined {
  const nl = buf.indexOf(10);
  if (nl < 0 || nl > 300) return undefined;
  const [magic1, magic2, a, b, rawLen, summaryLen, hash] = buf.subarray(0, nl).toString('latin1').split(' ');
  if (`${magic1} ${magic2}` !== MAGIC || a !== from || b !== to || !/^\d+$/.test(rawLen ?? '') || !/^\d+$/.test(summaryLen ?? '')) return undefined;
  const start = nl + 1;
  const rawEnd = start + Number(rawLen);
  if (rawEnd + Number(summaryLen) !== buf.length) return undefined;
  const raw = buf.subarray(start, rawEnd);
  const summary = buf.subarray(rawEnd);
  if (digest(from, to, raw, summary) !== hash) return undefined;
  try {
    return { raw, summary: JSON.parse(summary.toString('utf8')) as Compat };
  } catch {
    return undefined;
  }
}
