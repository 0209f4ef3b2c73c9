// Reading a push's objects during pre-receive, while they are still quarantined.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Reader, type CatFilePool, type ObjectData } from './catfile-pool';

const OID = /^[0-9a-f]{40}$/;

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

  constructor(private readonly gitDir: string, private readonly env: Readonly<Record<string, string>>, private readonly pool: CatFilePool) {
    this.objectDir = env.GIT_OBJECT_DIRECTORY;
  }

  /** Type and body of an object, or null when no source has it. */
  async read(oid: string): Promise<{ type: string; body: Buffer } | null> {
    if (!OID.test(oid)) return null;
    const loose = this.objectDir ? await readLoose(this.objectDir, oid) : null;
    if (loose) return loose;
    const known = await this.pool.contents(this.gitDir, oid);
    if (known) return { type: known.type, body: known.data };
    this.fallback ??= new Reader(this.gitDir, () => { /* reported by the next read */ }, this.env);
    const packed = await this.fallback.request(oid, true) as ObjectData | null;
    return packed ? { type: packed.type, body: packed.data } : null;
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

  /** Stops the fallback reader, if one was started. */
  close(): void {
    this.fallback?.close();
  }
}

/** Type and body of a loose object in `objectDir`, or null when it is not there loose. */
async function readLoose(objectDir: string, oid: string): Promise<{ type: string; body: Buffer } | null> {
  let raw: Buffer;
  try { raw = await readFile(path.join(objectDir, oid.slice(0, 2), oid.slice(2))); } catch { return null; }
  const data = inflateSync(raw);
  const nul = data.indexOf(0);
  const [type = ''] = data.toString('latin1', 0, nul).split(' ');
  return { type, body: data.subarray(nul + 1) };
}
