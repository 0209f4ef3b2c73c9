// Writing into a bare repo: objects with isomorphic-git, tags with git mktag, refs only in one update-ref transaction.
import fs from 'node:fs';
import * as iso from 'isomorphic-git';
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
 * Writes the blobs and trees of `files` (paths already validated) and returns the root tree id.
 * isomorphic-git writes loose objects in-process; they stay unreferenced until a ref points at them.
 */
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
    const oid = await iso.writeBlob({ fs, gitdir: gitDir, blob: new Uint8Array(f.content) });
    d.files.set(parts[parts.length - 1] ?? '', { oid, mode: f.executable ? '100755' : '100644' });
  }
  const write = async (d: Dir): Promise<string> => {
    const entries: iso.TreeEntry[] = [];
    for (const [name, sub] of d.dirs) entries.push({ mode: '040000', path: name, oid: await write(sub), type: 'tree' });
    for (const [name, f] of d.files) entries.push({ mode: f.mode, path: name, oid: f.oid, type: 'blob' });
    return iso.writeTree({ fs, gitdir: gitDir, tree: entries });
  };
  return write(root);
}

/** Writes a commit object; returns its id. */
export async function writeCommit(gitDir: string, c: { tree: string; parents: readonly string[]; author: Identity; message: string }): Promise<string> {
  const person = { name: c.author.name, email: c.author.email, timestamp: c.author.when, timezoneOffset: 0 };
  return iso.writeCommit({ fs, gitdir: gitDir, commit: { tree: c.tree, parent: [...c.parents], author: person, committer: person, message: c.message.endsWith('\n') ? c.message : `${c.message}\n` } });
}
