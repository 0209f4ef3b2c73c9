// Reading trees and blobs by object id, with in-memory caches that cannot go stale (keyed by oid).
import { CatFilePool } from './catfile-pool';
import { Lru } from './lru';
import { git, streamGit, type GitStream } from './exec';

/** One file of a tree listing (`git ls-tree -r -l`). */
export interface TreeFile {
  readonly path: string;
  /** Octal mode as git prints it: 100644, 100755, 120000 (symlink), 160000 (submodule). */
  readonly mode: string;
  readonly oid: string;
  /** Bytes; 0 for submodules. */
  readonly size: number;
}

/** Blobs larger than this are streamed from a spawned git instead of held in memory. */
export const STREAM_THRESHOLD = 8 * 1024 * 1024;
const OID = /^[0-9a-f]{40}$/;
/** Trees with more files than this are listed by a spawned ls-tree (one process beats thousands of reads). */
const WALK_MAX_FILES = 512;

/** Reads objects of the repos under repos/ by id. */
export class ObjectReader {
  private readonly blobs: Lru<Buffer>;
  private readonly trees = new Lru<ReadonlyMap<string, TreeFile>>(64 * 1024 * 1024);
  private readonly commitTrees = new Lru<string>(4 * 1024 * 1024);

  constructor(private readonly pool: CatFilePool, cacheBytes: number) {
    this.blobs = new Lru(cacheBytes);
  }

  /** Every file of a tree, recursively, keyed by path; cached by tree id. */
  async listTree(gitDir: string, tree: string): Promise<ReadonlyMap<string, TreeFile>> {
    assertOid(tree);
    const hit = this.trees.get(tree);
    if (hit) return hit;
    const read = await this.walkTree(gitDir, tree);
    if (read) {
      this.trees.set(tree, read, [...read.keys()].reduce((n, p) => n + p.length * 2 + 120, 0));
      return read;
    }
    const out = await git(['ls-tree', '-r', '-l', '-z', '--full-tree', tree], { gitDir, maxOutput: 256 * 1024 * 1024 });
    const files = new Map<string, TreeFile>();
    let cost = 0;
    for (const rec of out.toString('utf8').split('\0')) {
      if (!rec) continue;
      // "<mode> SP <type> SP <oid> SP+ <size> TAB <path>"
      const tab = rec.indexOf('\t');
      const [mode = '', , oid = '', size = '0'] = rec.slice(0, tab).split(/ +/);
      const p = rec.slice(tab + 1);
      files.set(p, { path: p, mode, oid, size: size === '-' ? 0 : Number(size) });
      cost += p.length * 2 + 120;
    }
    this.trees.set(tree, files, cost);
    return files;
  }

  /**
   * A small tree listed as `ls-tree -r -l` lists it (same order, same sizes), through the repo's
   * cat-file reader: a template's tree is a few dozen files, and a spawned ls-tree cost a push's
   * re-index 3-5 ms. Null, for ls-tree to list, past WALK_MAX_FILES or on anything unexpected.
   */
  private async walkTree(gitDir: string, tree: string): Promise<Map<string, TreeFile> | null> {
    const entries: { path: string; mode: string; oid: string }[] = [];
    const walk = async (oid: string, prefix: string, depth: number): Promise<boolean> => {
      const obj = await this.pool.contents(gitDir, oid);
      if (obj?.type !== 'tree' || depth > 64) return false;
      const d = obj.data;
      for (let i = 0; i < d.length;) {
        const sp = d.indexOf(0x20, i);
        const nul = d.indexOf(0, sp);
        if (sp < 0 || nul < 0 || nul + 21 > d.length) return false;
        const mode = d.toString('latin1', i, sp).padStart(6, '0');
        const p = prefix + d.toString('utf8', sp + 1, nul);
        const entryOid = d.toString('hex', nul + 1, nul + 21);
        i = nul + 21;
        if (mode === '040000') { if (!(await walk(entryOid, `${p}/`, depth + 1))) return false; continue; }
        entries.push({ path: p, mode, oid: entryOid });
        if (entries.length > WALK_MAX_FILES) return false;
      }
      return true;
    };
    if (!(await walk(tree, '', 0))) return null;
    // sizes asked of the reader all at once: its requests are pipelined
    const sizes = await Promise.all(entries.map((e) => (e.mode === '160000' ? null : this.pool.info(gitDir, e.oid))));
    const files = new Map<string, TreeFile>();
    for (const [k, e] of entries.entries()) {
      const info = sizes[k];
      if (e.mode !== '160000' && !info) return null;
      files.set(e.path, { ...e, size: info?.size ?? 0 });
    }
    return files;
  }

  /** Lookups of the blob, tree and commit caches that found their object, that did not, and the bytes kept. */
  cacheStats(): { hits: number; misses: number; bytes: number } {
    const caches = [this.blobs, this.trees, this.commitTrees];
    return { hits: caches.reduce((n, c) => n + c.hits, 0), misses: caches.reduce((n, c) => n + c.misses, 0), bytes: caches.reduce((n, c) => n + c.bytes, 0) };
  }

  /** A blob's bytes if cached, without I/O. */
  cachedBlob(oid: string): Buffer | undefined {
    return this.blobs.get(oid);
  }

  /** The root tree of a commit; cached by commit id. Throws when `commit` is not a commit. */
  async commitTree(gitDir: string, commit: string): Promise<string> {
    assertOid(commit);
    const hit = this.commitTrees.get(commit);
    if (hit) return hit;
    const obj = await this.pool.contents(gitDir, commit);
    if (!obj || obj.type !== 'commit') throw new Error(`${commit} is not a commit in ${gitDir}`);
    const tree = /^tree ([0-9a-f]{40})$/m.exec(obj.data.toString('latin1'))?.[1];
    if (!tree) throw new Error(`commit ${commit} has no tree line`);
    this.commitTrees.set(commit, tree, 100);
    return tree;
  }

  /** The full id of the commit a hex prefix (7 to 40 digits) names, or null if none or ambiguous. */
  async findCommit(gitDir: string, hex: string): Promise<string | null> {
    if (!/^[0-9a-f]{7,40}$/.test(hex)) return null;
    const info = await this.pool.info(gitDir, `${hex}^{commit}`);
    return info?.type === 'commit' ? info.oid : null;
  }

  /** The bytes of a blob no larger than STREAM_THRESHOLD; cached by id. */
  async readBlob(gitDir: string, oid: string): Promise<Buffer> {
    assertOid(oid);
    const hit = this.blobs.get(oid);
    if (hit) return hit;
    const obj = await this.pool.contents(gitDir, oid);
    if (!obj || obj.type !== 'blob') throw new Error(`blob ${oid} is missing from ${gitDir}`);
    this.blobs.set(oid, obj.data, obj.data.length + 64);
    return obj.data;
  }

  /** A blob's bytes from a spawned `git cat-file blob`, for blobs too large to cache. */
  streamBlob(gitDir: string, oid: string): GitStream {
    assertOid(oid);
    return streamGit(['cat-file', 'blob', oid], { gitDir });
  }
}

function assertOid(oid: string): void {
  if (!OID.test(oid)) throw new Error(`not an object id: ${oid}`);
}
