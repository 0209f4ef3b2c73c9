// Writing into a bare repo: objects written atomically (temp file, rename), tags with git mktag, refs only in one update-ref transaction.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { runGit } from './exec';

const ZERO = '0'.repeat(40);

/** One ref change of a transaction; `old: null` means the ref must not exist yet. */
export type RefOp =
  | { readonly ref: string; readonly new: string; readonly old: string | null }
  | { readonly ref: string; readonly delete: true; readonly old: string }
  | { readonly ref: string; readonly absent: true };

/** Who a write is recorded as, in objects and reflogs. */
export interface Identity {
  readonly name: string;
  readonly email: string;
  /** Seconds since the epoch. */
  readonly when: number;
}

/** The transaction did not apply (a ref moved or appeared meanwhile); nothing changed. `detail` is git's reason. */
export class RefTransactionError extends Error {
  constructor(readonly detail: string) {
    super(`ref transaction refused: ${detail}`);
    this.name = 'RefTransactionError';
  }
}

/**
 * Applies every op or none, with compare-and-swap on old values, through `git update-ref --stdin`
 * (git's lock files, reflogs with `identity`). Throws RefTransactionError when git refuses.
 */
export async function transact(gitDir: string, ops: readonly RefOp[], identity: Identity, message: string): Promise<void> {
  const lines = ['start'];
  for (const op of ops) {
    if ('absent' in op) lines.push(`verify ${op.ref} ${ZERO}`);
    else if ('delete' in op) lines.push(`delete ${op.ref} ${op.old}`);
    else lines.push(`update ${op.ref} ${op.new} ${op.old ?? ZERO}`);
  }
  lines.push('prepare', 'commit', '');
  const r = await runGit(['update-ref', '--stdin', '-m', message.replace(/\n/g, ' ')], {
    gitDir, input: lines.join('\n'),
    env: { GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email, GIT_COMMITTER_DATE: `${identity.when} +0000` },
  });
  if (r.code !== 0) throw new RefTransactionError(r.stderr.trim().replace(/^fatal: /, ''));
}

/** Writes an annotated tag object with `git mktag` (which checks it); returns its id. */
export async function writeTagObject(gitDir: string, t: { object: string; type: 'commit'; tag: string; tagger: Identity; message: string }): Promise<string> {
  const text = `object ${t.object}\ntype ${t.type}\ntag ${t.tag}\ntagger ${t.tagger.name} <${t.tagger.email}> ${t.tagger.when} +0000\n\n${t.message.endsWith('\n') ? t.message : `${t.message}\n`}`;
  const r = await runGit(['mktag'], { gitDir, input: text });
  if (r.code !== 0) throw new Error(`git mktag refused the tag: ${r.stderr.trim()}`);
  return r.stdout.toString('latin1').trim();
}

/** A file to commit: path in the tree, bytes, and whether it is executable. */
export interface NewFile {
  readonly path: string;
  readonly content: Buffer;
  readonly executable: boolean;
}

interface Dir { files: Map<string, { oid: string; mode: string }>; dirs: Map<string, Dir> }

/**
 * Writes one loose object the way git does: deflated into a temporary file in objects/, then
 * renamed to its name, so a crash leaves a stray temporary file, never a truncated object that a
 * later write would take for the real one (isomorphic-git writes in place, hence not used here).
 */
export async function writeObject(gitDir: string, type: 'blob' | 'tree' | 'commit', content: Buffer): Promise<string> {
  const data = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  const oid = createHash('sha1').update(data).digest('hex');
  const dir = path.join(gitDir, 'objects', oid.slice(0, 2));
  const final = path.join(dir, oid.slice(2));
  if (await fsp.access(final).then(() => true, () => false)) return oid; // complete by construction: only renames put it there
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(gitDir, 'objects', `tmp_obj_${randomBytes(8).toString('hex')}`);
  try {
    await fsp.writeFile(tmp, deflateSync(data), { mode: 0o444 });
    await fsp.rename(tmp, final);
  } catch (e) {
    // a write cut short (a full disk) or a failed rename leaves no temporary file behind
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  return oid;
}

/** git's order of tree entries: by name, a folder compared as if its name ended in "/". */
function treeOrder(a: { name: string; dir: boolean }, b: { name: string; dir: boolean }): number {
  const x = Buffer.from(a.dir ? `${a.name}/` : a.name);
  const y = Buffer.from(b.dir ? `${b.name}/` : b.name);
  return Buffer.compare(x, y);
}

/** Writes the blobs and trees of `files` (paths already validated) and returns the root tree id. */
export async function writeTree(gitDir: string, files: readonly NewFile[]): Promise<string> {
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const f of files) {
    const parts = f.path.split('/');
    let d = root;
    for (const p of parts.slice(0, -1)) {
      let next = d.dirs.get(p);
      if (!next) { next = { files: new Map(), dirs: new Map() }; d.dirs.set(p, next); }
      d = next;
    }
    const oid = await writeObject(gitDir, 'blob', f.content);
    d.files.set(parts[parts.length - 1] ?? '', { oid, mode: f.executable ? '100755' : '100644' });
  }
  const write = async (d: Dir): Promise<string> => {
    const entries: { name: string; dir: boolean; mode: string; oid: string }[] = [];
    for (const [name, sub] of d.dirs) entries.push({ name, dir: true, mode: '40000', oid: await write(sub) });
    for (const [name, f] of d.files) entries.push({ name, dir: false, mode: f.mode, oid: f.oid });
    entries.sort(treeOrder);
    const body = Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')])));
    return writeObject(gitDir, 'tree', body);
  };
  return write(root);
}

/** Writes a commit object; returns its id. */
export async function writeCommit(gitDir: string, c: { tree: string; parents: readonly string[]; author: Identity; message: string }): Promise<string> {
  const who = `${c.author.name} <${c.author.email}> ${c.author.when} +0000`;
  const text = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`, '', c.message.endsWith('\n') ? c.message : `${c.message}\n`].join('\n');
  return writeObject(gitDir, 'commit', Buffer.from(text, 'utf8'));
}
