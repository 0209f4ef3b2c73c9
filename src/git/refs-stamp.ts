// Cheap stamps that tell whether a repository's refs or config may have changed (since it was indexed, since an answer was cached), without running git.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RefSnapshot } from './refs';
import { locksUnder, topLevelLocks } from './stale-locks';

// Files an entry is read from besides refs/: packed refs, the default branch, the description and
// the config (which holds the creation time).
const FILES = ['HEAD', 'packed-refs', 'description', 'config'];

/**
 * A stamp of the ref files of `gitDir`: inode, mtime (ns) and size of FILES and of every folder
 * under refs/ (not of the ref files in them). git writes a ref by creating a lock file beside it
 * and renaming it into place, and deletes one by unlinking it, so every ref write changes the
 * mtime of the folder it lives in; packed-refs is replaced by rename (a new inode); a copied-in or
 * restored repo has new inodes. Only folders are stat'ed: readdir tells folders from files.
 * Returns '' (never matching) when a path changed within the last `freshMs`, as a coarse clock
 * could give the next write the same mtime.
 * With `locks`, also collects git's lock files (top folder, refs/, logs/) into it, on the same walk.
 */
export function filesStamp(gitDir: string, freshMs = 20, locks?: string[]): string {
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
  if (locks) {
    let names: string[] = [];
    try { names = readdirSync(gitDir); } catch { /* gone: the stamp says so */ }
    locks.push(...topLevelLocks(gitDir, names), ...(names.includes('logs') ? locksUnder(path.join(gitDir, 'logs')) : []));
  }
  const walk = (rel: string, depth: number) => {
    if (!add(rel)?.isDirectory() || depth > 32) return;
    let entries;
    try { entries = readdirSync(path.join(gitDir, rel), { withFileTypes: true }); } catch { return; }
    if (locks) for (const e of entries) if (e.isFile() && e.name.endsWith('.lock')) locks.push(path.join(gitDir, rel, e.name));
    for (const n of entries.filter((d) => d.isDirectory()).map((d) => d.name).sort()) walk(`${rel}/${n}`, depth + 1);
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

/**
 * The repo config's identity (and the protocol asked for): what an advertisement depends on besides
 * git itself and the refs. git rewrites a config by renaming a new file into place (a new inode).
 * '' when there is no config.
 */
export function configStamp(gitDir: string, protocol: string): string {
  const st = statSync(path.join(gitDir, 'config'), { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}:${st.size}:${protocol}` : '';
}

/** `<ino>:<mtime>` of a folder (or file) of `gitDir`, '' when it is missing: a new entry in a folder changes it. */
export function dirStamp(gitDir: string, rel: string): string {
  const st = statSync(path.join(gitDir, rel), { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}` : '';
}
