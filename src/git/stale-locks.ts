// Lock files a killed git left in the repositories: removed at start-up, before anything runs git.
import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { RepoStore } from './store';

// What git locks while it changes a repository's refs and settings (lockfile.c: `<file>.lock`,
// made with O_EXCL and renamed over the file). A git killed with SIGKILL between the two leaves the
// lock, and git never takes one over: every later update of that ref fails ("cannot lock ref")
// until it is removed (test/crash.test.ts found one behind a killed push).
const TOP_LEVEL: ReadonlySet<string> = new Set(['HEAD.lock', 'config.lock', 'packed-refs.lock', 'shallow.lock']);

/** `*.lock` files under `dir` (recursively when `deep`), or only those named in `only`; none when it does not exist. */
function locksUnder(dir: string, deep: boolean, only?: ReadonlySet<string>): string[] {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true, recursive: deep }); } catch { return []; }
  return entries.filter((e) => e.isFile() && e.name.endsWith('.lock') && (!only || only.has(e.name))).map((e) => path.join(e.parentPath, e.name));
}

/**
 * Removes the ref and config lock files of every repository and returns their paths. Call only
 * before the server runs any git: a data directory is served by one server, whose git processes
 * end with it (a supervisor kills them with it: systemd's control group, a container), so a lock
 * found then has no holder. Throws only what listing the repositories throws.
 * Synchronous on purpose: it runs once, before the server listens, over every repository (three
 * directory listings each), where a promise per system call cost 5 s on 10,000 repositories.
 */
export async function removeStaleGitLocks(store: RepoStore): Promise<string[]> {
  const removed: string[] = [];
  for (const t of await store.list()) {
    const gitDir = store.gitDir(t);
    const found = [...locksUnder(gitDir, false, TOP_LEVEL), ...locksUnder(path.join(gitDir, 'refs'), true), ...locksUnder(path.join(gitDir, 'logs'), true)];
    for (const f of found) {
      try { unlinkSync(f); removed.push(f); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
    }
  }
  return removed;
}
