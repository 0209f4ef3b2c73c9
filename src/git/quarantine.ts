// Reading a push's objects during pre-receive, while they are still quarantined.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { constants as zlib, inflateSync } from 'node:zlib';
import { Reader, type CatFilePool, type ObjectData } from './catfile-pool';
import { git } from './exec';

const OID = /^[0-9a-f]{40}$/;
/** Loose objects up to this size are read synchronously (see readLoose). */
const SYNC_READ_BYTES = 1024 * 1024;
/** Bytes of commits, trees and tags one check keeps once read (QuarantineReader.seen). */
const SEEN_BYTES = 16 * 1024 * 1024;

/** One entry of a recursive tree listing. */
export interface QuarantinedFile {
  readonly path: string;
  readonly mode: string;
  readonly oid: string;
}

/**
 * Objects as a pre-receive check sees them. A small push arrives as loose objects in the quarantine
 * (`GIT_OBJECT_DIRECTORY`), read here directly; objects the repo already had come from its
 * long-lived cat-file reader; anything else (a push big enough to stay a pack) from one
 * `git cat-file` started with the quarantine environment, the only kind that sees it, on first need.
 * isomorphic-git cannot be used here: it does not follow the quarantine's alternates.
 */
export class QuarantineReader {
  private fallback: Reader | null = null;
  private readonly objectDir: string | undefined;
  /**
   * Commits, trees and tags read during this check, up to SEEN_BYTES: the rules read the same ones
   * several times (a tag peeled, then the tree of its commit for validation and again for semver).
   */
  private readonly seen = new Map<string, { type: string; size: number; body: Buffer }>();
  private seenBytes = 0;

  /** `cachedBlob` gives the bytes of a blob already in memory (ObjectReader's cache), or undefined. */
  constructor(private readonly gitDir: string, private readonly env: Readonly<Record<string, string>>, private readonly pool: CatFilePool,
    private readonly cachedBlob: (oid: string) => Buffer | undefined = () => undefined) {
    this.objectDir = env.GIT_OBJECT_DIRECTORY;
  }

  /**
   * Type, size and body of an object, or null when no source has it. An object bigger than
   * `maxBytes` comes back with its type and size and an empty body: it is never held in memory.
   */
  async read(oid: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<{ type: string; size: number; body: Buffer } | null> {
    const seen = this.seen.get(oid);
    if (seen) return seen.size > maxBytes ? { type: seen.type, size: seen.size, body: Buffer.alloc(0) } : seen;
    const found = await this.readFromSources(oid, maxBytes);
    if (found && found.type !== 'blob' && found.body.length === found.size && this.seenBytes + found.size <= SEEN_BYTES) {
      this.seen.set(oid, found);
      this.seenBytes += found.size;
    }
    return found;
  }

  private async readFromSources(oid: string, maxBytes: number): Promise<{ type: string; size: number; body: Buffer } | null> {
    if (!OID.test(oid)) return null;
    const loose = this.objectDir ? await readLoose(this.objectDir, oid, maxBytes) : null;
    if (loose) return loose;
    const cached = this.cachedBlob(oid);
    if (cached) return { type: 'blob', size: cached.length, body: cached.length > maxBytes ? Buffer.alloc(0) : cached };
    const known = await this.pool.info(this.gitDir, oid);
    if (known) {
      if (known.size > maxBytes) return { type: known.type, size: known.size, body: Buffer.alloc(0) };
      const data = await this.pool.contents(this.gitDir, oid);
      return data ? { type: data.type, size: data.size, body: data.data } : null;
    }
    this.fallback ??= new Reader(this.gitDir, () => { /* reported by the next read */ }, this.env);
    const info = await this.fallback.request(oid, false);
    if (!info) return null;
    if (info.size > maxBytes) return { type: info.type, size: info.size, body: Buffer.alloc(0) };
    const packed = await this.fallback.request(oid, true) as ObjectData | null;
    return packed ? { type: packed.type, size: packed.size, body: packed.data } : null;
  }

  /** The commit an oid peels to (a commit, or a tag of one, at any depth), or ''. */
  async peel(oid: string, depth = 0): Promise<string> {
    const obj = depth > 8 ? null : await this.read(oid);
    if (!obj) return '';
    if (obj.type === 'commit') return oid;
    if (obj.type !== 'tag') return '';
    const target = /^object ([0-9a-f]{40})\n/.exec(obj.body.toString('latin1'))?.[1];
    return target ? this.peel(target, depth + 1) : '';
  }

  /** The root tree of a commit, or '' when it is not a commit. */
  async treeOf(commit: string): Promise<string> {
    const obj = await this.read(commit);
    if (obj?.type !== 'commit') return '';
    return /^tree ([0-9a-f]{40})$/m.exec(obj.body.toString('latin1'))?.[1] ?? '';
  }

  /** Every file (blobs, symlinks, submodules) under a tree, recursively, at most `max` entries. */
  async listTree(tree: string, max = 100_000, prefix = '', out: QuarantinedFile[] = []): Promise<QuarantinedFile[]> {
    const obj = await this.read(tree);
    if (obj?.type !== 'tree') throw new Error(`${tree} is not a tree`);
    const b = obj.body;
    let i = 0;
    while (i < b.length) {
      const sp = b.indexOf(0x20, i);
      const nul = b.indexOf(0, sp);
      const mode = b.toString('latin1', i, sp);
      const name = b.toString('utf8', sp + 1, nul);
      const oid = b.toString('hex', nul + 1, nul + 21);
      i = nul + 21;
      const p = prefix ? `${prefix}/${name}` : name;
      if (mode === '40000') await this.listTree(oid, max, p, out);
      else out.push({ path: p, mode: mode.padStart(6, '0'), oid });
      if (out.length > max) throw new Error(`tree ${tree} has more than ${max} files`);
    }
    return out;
  }

  /**
   * The files a push brings that are larger than `maxBytes`: blobs reachable from `tips` and from no
   * existing ref, each with a path it has (the first rev-list names) and its size; at most `max`.
   * One `git rev-list --filter=blob:limit` over the new objects (the quarantine included); the names
   * and sizes are looked up only when a blob was too large.
   */
  async filesOver(tips: readonly string[], maxBytes: number, max = 50): Promise<{ path: string; size: number; oid: string }[]> {
    if (tips.length === 0) return [];
    // A small push arrives loose (receive.unpackLimit): when no object it sent is over the limit,
    // no blob it brings is, and no git process is needed to say so (rev-list took 8 ms a push).
    if (this.largestQuarantined() <= maxBytes) return [];
    const opts = { gitDir: this.gitDir, env: this.env, maxOutput: 256 * 1024 * 1024 };
    // blob:limit=<n> omits blobs of n bytes or more; --filter-print-omitted lists them as "~<oid>"
    const listed = await git(['rev-list', '--objects', '--no-object-names', `--filter=blob:limit=${maxBytes + 1}`, '--filter-print-omitted', ...tips, '--not', '--all'], opts);
    const big = new Set(listed.toString('latin1').split('\n').filter((l) => l.startsWith('~')).map((l) => l.slice(1)));
    if (big.size === 0) return [];
    const named = new Map<string, string>();
    for (const line of (await git(['rev-list', '--objects', ...tips, '--not', '--all'], opts)).toString('utf8').split('\n')) {
      const oid = line.slice(0, 40);
      if (big.has(oid) && !named.has(oid)) named.set(oid, line.slice(41));
    }
    const oids = [...big].slice(0, max);
    const sizes = (await git(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { ...opts, input: `${oids.join('\n')}\n` })).toString('latin1').split('\n');
    return oids.map((oid, i) => ({ oid, path: named.get(oid) ?? oid, size: Number(sizes[i]?.split(' ')[1] ?? 0) }));
  }

  /**
   * The size of the largest object in the quarantine when all of them are loose, read from their
   * headers (a few hundred bytes each, synchronously); Infinity when that cannot be told so (a
   * pack, no quarantine, anything unexpected).
   */
  private largestQuarantined(): number {
    const dir = this.env.GIT_QUARANTINE_PATH;
    if (!dir) return Infinity;
    let largest = 0;
    try {
      for (const sub of readdirSync(dir)) {
        if (sub === 'pack' && readdirSync(path.join(dir, sub)).length === 0) continue;
        if (!/^[0-9a-f]{2}$/.test(sub)) return Infinity;
        for (const name of readdirSync(path.join(dir, sub))) {
          if (!/^[0-9a-f]{38}$/.test(name)) return Infinity;
          const size = looseSize(path.join(dir, sub, name));
          if (size === null) return Infinity;
          largest = Math.max(largest, size);
        }
      }
    } catch {
      return Infinity;
    }
    return largest;
  }

  /** Stops the fallback reader, if one was started. */
  close(): void {
    this.fallback?.close();
  }
}

/** The size a loose object's header gives, from its first bytes only; null when they do not hold it. */
function looseSize(file: string): number | null {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const bytesRead = readSync(fd, head, 0, head.length, 0);
    const text = inflateSync(head.subarray(0, bytesRead), { finishFlush: zlib.Z_SYNC_FLUSH });
    const m = /^(?:blob|tree|commit|tag) (\d+)\0/.exec(text.toString('latin1', 0, Math.min(text.length, 32)));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Type, size and body of a loose object in `objectDir` (body empty past `maxBytes`), or null when it is not there loose. */
async function readLoose(objectDir: string, oid: string, maxBytes: number): Promise<{ type: string; size: number; body: Buffer } | null> {
  const file = path.join(objectDir, oid.slice(0, 2), oid.slice(2));
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return null;
  let raw: Buffer;
  // a push's commits, trees and templates are small: read at once, not through libuv's thread pool,
  // whose queue cost a loaded server a millisecond an object on the pusher's clock
  try { raw = st.size <= SYNC_READ_BYTES ? readFileSync(file) : await readFile(file); } catch { return null; }
  // the header ("blob 1234\0") first, from a partial inflate: the size decides whether to inflate the rest
  const head = inflateSync(raw.subarray(0, 4096), { finishFlush: zlib.Z_SYNC_FLUSH });
  const headerEnd = head.indexOf(0);
  if (headerEnd < 0) {
    // the first deflate block is bigger than the prefix: inflate, but never past maxBytes
    try {
      const data = inflateSync(raw, { maxOutputLength: maxBytes + 64 });
      const end = data.indexOf(0);
      const [type = ''] = data.toString('latin1', 0, end).split(' ');
      return { type, size: data.length - end - 1, body: data.subarray(end + 1) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { type: 'blob', size: maxBytes + 1, body: Buffer.alloc(0) };
      throw e;
    }
  }
  const [type = '', sizeText = ''] = head.toString('latin1', 0, headerEnd).split(' ');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new Error(`loose object ${oid} has no readable header`);
  if (size > maxBytes) return { type, size, body: Buffer.alloc(0) };
  const data = inflateSync(raw, { maxOutputLength: headerEnd + 1 + size });
  return { type, size, body: data.subarray(headerEnd + 1) };
}
