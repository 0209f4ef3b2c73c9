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

  /** Lookups of the blob, tree and commit caches that found their object, that did not, and the bytes kept. */
  cacheStats(): { hits: number; misses: number; bytes: number } {
    const caches = [this.blobs, this.trees, this.commitTrees];
    return { hits: caches.reduce((n, c) => n + c.hits, 0), misses: caches.reduce((n, c) => n + c.misses, 0), bytes: caches.reduce((n, c) => n + c.bytes, 0) };
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
