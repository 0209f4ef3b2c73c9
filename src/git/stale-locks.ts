// Lock files a killed git left in the repositories: removed at start-up, before anything runs git.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RepoStore } from './store';

// What git locks while it changes a repository's refs and settings (lockfile.c: `<file>.lock`,
// made with O_EXCL and renamed over the file). A git killed with SIGKILL between the two leaves the
// lock, and git never takes one over: every later update of that ref fails ("cannot lock ref")
// until it is removed (test/crash.test.ts found one behind a killed push).
const TOP_LEVEL = ['HEAD.lock', 'config.lock', 'packed-refs.lock', 'shallow.lock'];

/** `*.lock` files under `dir`, recursively; none when it does not exist. */
async function locksUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.lock')).map((e) => path.join(e.parentPath, e.name));
}

/**
 * Removes the ref and config lock files of every repository and returns their paths. Call only
 * before the server runs any git: a data directory is served by one server, whose git processes
 * end with it (a supervisor kills them with it: systemd's control group, a container), so a lock
 * found then has no holder. Throws only what listing the repositories throws.
 */
export async function removeStaleGitLocks(store: RepoStore): Promise<string[]> {
  const removed: string[] = [];
  for (const t of await store.list()) {
    const gitDir = store.gitDir(t);
    const found = [...TOP_LEVEL.map((f) => path.join(gitDir, f)), ...(await locksUnder(path.join(gitDir, 'refs'))), ...(await locksUnder(path.join(gitDir, 'logs')))];
    for (const f of found) {
      try { await fs.unlink(f); removed.push(f); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
    }
  }
  return removed;
}
