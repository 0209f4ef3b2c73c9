// Cheap stamps that tell whether a repository may have changed since it was indexed, without running git.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RefSnapshot } from '../git/refs';

// Files an entry is read from besides refs/: packed refs, the default branch, the description and
// the config (which holds the creation time).
const FILES = ['HEAD', 'packed-refs', 'description', 'config'];

/**
 * A stamp of the ref files of `gitDir`: inode, mtime (ns) and size of every file and folder
 * under refs/ and of FILES. git writes a ref by renaming a lock file into place, so a moved ref
 * changes an inode and its folder's mtime; a copied-in or restored repo has new inodes.
 * Returns '' (never matching) when a file changed within the last `freshMs`, as a coarse clock
 * could give the next write the same mtime. Walking 10 files costs about 20 µs.
 */
export function filesStamp(gitDir: string, freshMs = 20): string {
  const h = createHash('sha1');
  const now = BigInt(Date.now() - freshMs) * 1_000_000n;
  let young = false;
  const add = (rel: string) => {
    const st = statSync(path.join(gitDir, rel), { bigint: true, throwIfNoEntry: false });
    if (!st) { h.update(`${rel} -\n`); return null; }
    if (st.mtimeNs > now) young = true;
    h.update(`${rel} ${st.ino} ${st.mtimeNs} ${st.size}\n`);
    return st;
  };
  for (const f of FILES) add(f);
  const walk = (rel: string, depth: number) => {
    const st = add(rel);
    if (!st?.isDirectory() || depth > 32) return;
    let names: string[];
    try { names = readdirSync(path.join(gitDir, rel)).sort(); } catch { return; }
    for (const n of names) walk(`${rel}/${n}`, depth + 1);
  };
  walk('refs', 0);
  return young ? '' : h.digest('hex');
}

/** A hash of what an entry is derived from: every ref and its value, the default branch, and the repo's own texts. */
export function refsHash(refs: RefSnapshot, extra: readonly string[]): string {
  const h = createHash('sha1');
  for (const [kind, map] of [['t', refs.tags], ['b', refs.branches], ['n', refs.versionNotes]] as const) {
    for (const name of [...map.keys()].sort()) h.update(`${kind} ${name} ${map.get(name)?.oid ?? ''}\n`);
  }
  h.update(`HEAD ${refs.defaultBranch}\n`);
  for (const e of extra) h.update(`${e.length}:${e}\n`);
  return h.digest('hex');
}
