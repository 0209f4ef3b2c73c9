// Lock files a killed git left in the repositories: found by the start-up heal, removed before anything runs git.
import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';

// What git locks while it changes a repository's refs and settings (lockfile.c: `<file>.lock`,
// made with O_EXCL and renamed over the file). A git killed with SIGKILL between the two leaves the
// lock, and git never takes one over: every later update of that ref fails ("cannot lock ref")
// until it is removed (test/crash.test.ts found one behind a killed push).
const TOP_LEVEL: ReadonlySet<string> = new Set(['HEAD.lock', 'config.lock', 'packed-refs.lock', 'shallow.lock']);

/** Git's lock files in a repository's top folder (`names`: its entries), as paths. */
export function topLevelLocks(gitDir: string, names: readonly string[]): string[] {
  return names.filter((n) => TOP_LEVEL.has(n)).map((n) => path.join(gitDir, n));
}

/** `*.lock` files under `dir`, recursively; none when it does not exist. */
export function locksUnder(dir: string): string[] {
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true, recursive: true }); } catch { return []; }
  return entries.filter((e) => e.isFile() && e.name.endsWith('.lock')).map((e) => path.join(e.parentPath, e.name));
}

/**
 * Removes lock files a killed git left (found at start-up by the heal's walk of every repository:
 * src/git/refs-stamp.ts) and returns those removed. Call only before the server runs any git:
 * a data directory is served by one server, whose git processes end with it (a supervisor kills
 * them with it: systemd's control group, a container), so a lock found then has no holder.
 */
export function removeLocks(paths: readonly string[]): string[] {
  const removed: string[] = [];
  for (const f of paths) {
    try { unlinkSync(f); removed.push(f); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
  }
  return removed;
}
