// Ref snapshots: every tag and branch of a repo read with one for-each-ref, reused until the refs change on disk.
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { git } from './exec';

/** A tag or branch as for-each-ref reports it, peeled to its commit. */
export interface RefEntry {
  /** Short name: `v1.2.0`, `stable`, `main`. */
  readonly name: string;
  /** The object the ref points at (a tag object for annotated tags). */
  readonly oid: string;
  /** The commit it peels to, or '' when it does not point at a commit. */
  readonly commit: string;
  /** The commit's root tree, or ''. */
  readonly tree: string;
  readonly annotated: boolean;
  /** Tagger date for annotated tags, committer date otherwise (ISO 8601). */
  readonly created: string;
  /** Tagger for annotated tags, commit author otherwise. */
  readonly author: string;
  /** First line of the tag message, or of the commit message. */
  readonly subject: string;
}

/** Where Heater keeps per-version state (deprecation, yank) in git itself: one tag object per version. */
export const VERSION_NOTES = 'refs/heater/versions';

export interface RefSnapshot {
  readonly tags: ReadonlyMap<string, RefEntry>;
  readonly branches: ReadonlyMap<string, RefEntry>;
  /** Refs under refs/heater/versions/, by version; the subject of each is Heater's JSON state. */
  readonly versionNotes: ReadonlyMap<string, RefEntry>;
  /** The branch HEAD names (the default branch), e.g. `main`. */
  readonly defaultBranch: string;
  /** Last time the refs changed on disk (ISO 8601). */
  readonly updated: string;
}

const FORMAT = ['%(refname)', '%(objecttype)', '%(objectname)', '%(tree)', '%(*objecttype)', '%(*objectname)', '%(*tree)',
  '%(creatordate:iso-strict)', '%(taggername)', '%(authorname)', '%(contents:subject)'].join('%00');

/** Reads every tag and branch of `gitDir` with one `git for-each-ref`. */
export async function readRefs(gitDir: string): Promise<RefSnapshot> {
  const [out, headFile] = await Promise.all([
    git(['for-each-ref', `--format=${FORMAT}`, 'refs/tags', 'refs/heads', VERSION_NOTES], { gitDir }),
    readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => ''),
  ]);
  const tags = new Map<string, RefEntry>();
  const branches = new Map<string, RefEntry>();
  const versionNotes = new Map<string, RefEntry>();
  for (const line of out.toString('utf8').split('\n')) {
    if (!line) continue;
    const [ref = '', type, oid = '', tree = '', ptype, poid = '', ptree = '', created = '', tagger = '', author = '', subject = ''] = line.split('\0');
    const annotated = type === 'tag';
    const commit = annotated ? (ptype === 'commit' ? poid : '') : (type === 'commit' ? oid : '');
    const entry: RefEntry = {
      name: ref.replace(/^refs\/(tags|heads|heater\/versions)\//, ''), oid, commit, tree: annotated ? ptree : tree,
      annotated, created: created ? new Date(created).toISOString() : '', author: annotated ? tagger : author, subject,
    };
    (ref.startsWith('refs/tags/') ? tags : ref.startsWith('refs/heads/') ? branches : versionNotes).set(entry.name, entry);
  }
  const m = /^ref: refs\/heads\/(.+)$/m.exec(headFile);
  return { tags, branches, versionNotes, defaultBranch: m?.[1]?.trim() ?? 'main', updated: new Date(Number(lastChange(gitDir, tags, branches) / 1000000n)).toISOString() };
}

/** The current value of each of `refs` (full names), '' for those that do not exist. */
export async function refValues(gitDir: string, refs: readonly string[]): Promise<Map<string, string>> {
  const out = new Map(refs.map((r) => [r, '']));
  if (refs.length === 0) return out;
  const read = await readRefFiles(gitDir, refs);
  if (read) return read;
  const text = (await git(['for-each-ref', '--format=%(refname) %(objectname)', '--', ...refs], { gitDir })).toString('utf8');
  for (const line of text.split('\n')) {
    const sp = line.lastIndexOf(' ');
    const name = line.slice(0, sp);
    if (out.has(name)) out.set(name, line.slice(sp + 1));
  }
  return out;
}

// A ref name made of plain parts only: nothing a file path could read differently from git.
const PLAIN_REF = /^refs\/[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*(\/[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*)*$/;

/**
 * refValues read from the ref files themselves (a loose ref, else packed-refs), as the files
 * backend keeps them: no git process after every push. Undefined, for git to answer, when a name
 * or a file is anything but plain (a symbolic ref, a folder where a ref would be, reftable).
 */
async function readRefFiles(gitDir: string, refs: readonly string[]): Promise<Map<string, string> | undefined> {
  if (!refs.every((r) => PLAIN_REF.test(r) && !r.endsWith('.lock'))) return undefined;
  if (statSync(path.join(gitDir, 'reftable'), { throwIfNoEntry: false })) return undefined;
  const out = new Map<string, string>();
  let packed: Map<string, string> | undefined;
  for (const ref of refs) {
    let loose: string | null;
    // a loose ref is a 41-byte file in the page cache: read at once (four thread-pool round trips cost a push ~1-3 ms)
    try { loose = readFileSync(path.join(gitDir, ref), 'latin1').trim(); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') return undefined;
      loose = null;
    }
    if (loose !== null) {
      if (!/^[0-9a-f]{40}$/.test(loose)) return undefined;
      out.set(ref, loose);
      continue;
    }
    packed ??= parsePackedRefs(await readFile(path.join(gitDir, 'packed-refs'), 'latin1').catch(() => ''));
    out.set(ref, packed.get(ref) ?? '');
  }
  return out;
}

/** packed-refs as name -> oid (peeled lines skipped). */
function parsePackedRefs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.length < 42 || line[0] === '#' || line[0] === '^') continue;
    out.set(line.slice(41), line.slice(0, 40));
  }
  return out;
}

/** Tags matching for-each-ref `patterns` (exact names or globs), each with the commit it peels to ('' if none). */
export async function tagsMatching(gitDir: string, patterns: readonly string[]): Promise<{ name: string; commit: string }[]> {
  if (patterns.length === 0) return [];
  const out = await git(['for-each-ref', '--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)', '--', ...patterns], { gitDir });
  return out.toString('utf8').split('\n').filter(Boolean).map((line) => {
    const [ref = '', type, oid = '', ptype, poid = ''] = line.split('\0');
    return { name: ref.replace(/^refs\/tags\//, ''), commit: type === 'commit' ? oid : (type === 'tag' && ptype === 'commit' ? poid : '') };
  });
}

/**
 * A stamp of everything a ref write touches: packed-refs (replaced by rename, so its inode changes),
 * HEAD, and each refs/ folder holding loose refs (a lock file is created and renamed in it). git's
 * own stat-based check has a one-second blind spot (GIT-HTTP.md §3.3); sub-millisecond mtimes and
 * inodes do not. Three numbers per path; a missing path stamps as -1s (HEAD always exists, so a
 * deleted repo never matches).
 */
function stampOf(paths: readonly string[]): number[] {
  const out: number[] = [];
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st) out.push(st.ino, st.mtimeMs, st.size); else out.push(-1, -1, -1);
  }
  return out;
}

/** True when the first `count` of `paths` still stat as `stamp` says; allocates nothing but the stats. */
function stampHolds(paths: readonly string[], stamp: readonly number[], count = paths.length): boolean {
  for (let i = 0; i < count; i++) {
    const st = statSync(paths[i] ?? '', { throwIfNoEntry: false });
    if (!st) { if (stamp[3 * i] !== -1) return false; continue; }
    if (st.ino !== stamp[3 * i] || st.mtimeMs !== stamp[3 * i + 1] || st.size !== stamp[3 * i + 2]) return false;
  }
  return true;
}

/** Ref folders a version lookup depends on: tags and Heater's version state. */
const forVersions = (d: string) => d.startsWith('refs/tags') || d.startsWith(VERSION_NOTES);
/** packed-refs and the folders versions depend on first, then HEAD and the branch folders. */
const stampPaths = (gitDir: string, dirs: readonly string[]) => ['packed-refs', ...dirs.filter(forVersions), 'HEAD', ...dirs.filter((d) => !forVersions(d))].map((rel) => path.join(gitDir, rel));
const tagPathCount = (dirs: readonly string[]) => 1 + dirs.filter(forVersions).length;

/** The newest mtime (ns) of packed-refs and the ref folders of `tags` and `branches`. */
export function lastChange(gitDir: string, tags: ReadonlyMap<string, RefEntry>, branches: ReadonlyMap<string, RefEntry>): bigint {
  let max = 0n;
  for (const rel of ['packed-refs', ...refDirs(tags, branches)]) {
    const st = statSync(path.join(gitDir, rel), { bigint: true, throwIfNoEntry: false });
    if (st && st.mtimeNs > max) max = st.mtimeNs;
  }
  return max;
}

/** refs/tags, refs/heads and every folder a ref name with "/" lives in. */
function refDirs(tags: ReadonlyMap<string, RefEntry>, branches: ReadonlyMap<string, RefEntry>): string[] {
  const dirs = new Set(['refs/tags', VERSION_NOTES, 'refs/heads']);
  for (const [prefix, names] of [['refs/tags', tags.keys()], ['refs/heads', branches.keys()]] as const) {
    for (const name of names) {
      const parts = name.split('/');
      for (let k = 1; k < parts.length; k++) dirs.add(`${prefix}/${parts.slice(0, k).join('/')}`);
    }
  }
  return [...dirs];
}

/** How old (ms) a ref file's mtime must be before a stamp taken from it is trusted (ext4 ticks are 4 ms). */
export const FRESH_MS = 20;

interface Cached {
  readonly dirs: readonly string[];
  readonly paths: readonly string[];
  /** How many of `paths` the tags depend on (packed-refs and the refs/tags folders). */
  readonly tagPaths: number;
  readonly stamp: readonly number[];
  readonly snapshot: RefSnapshot;
  /** When the stamp was last found to hold (performance.now() ms), for peekRecent. */
  checkedAt: number;
}

/**
 * Ref snapshots per repo, reused while the stamp of the ref files is unchanged, so a snapshot can
 * never disagree with git for longer than the stat calls take. Bounded (LRU).
 */
export class RefCache {
  private readonly entries = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<RefSnapshot>>();
  private readonly generations = new Map<string, number>();
  /** The last snapshot read of each repo, current or not: what `readSince` may take unchanged refs from. */
  private readonly lastRead = new Map<string, RefSnapshot>();
  /**
   * `readSince` reads a repo's refs again knowing an earlier snapshot (in-process, only the refs
   * that changed: DirectRepo); when it throws, or there is no earlier snapshot, for-each-ref reads
   * them all (12-15 ms for 300 annotated tags, and a git process, after every push).
   */
  constructor(private readonly maxRepos = 4096, private readonly readSince?: (gitDir: string, known: RefSnapshot) => RefSnapshot) {}

  /**
   * The cached refs of `gitDir` when nothing changed on disk since they were read, else undefined.
   * With `tagsOnly`, only what versions depend on is checked (tags and version state; fewer stat
   * calls on the hot file path): the snapshot's tags and notes are then current, its branches and
   * HEAD may not be.
   */
  peek(gitDir: string, tagsOnly = false): RefSnapshot | undefined {
    const hit = this.entries.get(gitDir);
    if (!hit || !stampHolds(hit.paths, hit.stamp, tagsOnly ? hit.tagPaths : hit.paths.length)) return undefined;
    this.entries.delete(gitDir);
    this.entries.set(gitDir, hit); // most recently used last
    if (!tagsOnly) hit.checkedAt = performance.now();
    return hit.snapshot;
  }

  /**
   * peek() of every ref file, but trusting a check made less than `withinMs` ago (the cached-answer
   * lane asks on every request: at tens of thousands a second, three stat calls per answer are a
   * fifth of its cost). Writes through Heater invalidate() at once; only a change made with git
   * behind the server's back can go unseen, and for at most `withinMs`.
   */
  peekRecent(gitDir: string, withinMs: number): RefSnapshot | undefined {
    const hit = this.entries.get(gitDir);
    if (hit && performance.now() - hit.checkedAt < withinMs) return hit.snapshot;
    return this.peek(gitDir);
  }

  /** The current refs of `gitDir`: cached when nothing changed on disk, read again otherwise. */
  get(gitDir: string): Promise<RefSnapshot> | RefSnapshot {
    return this.peek(gitDir) ?? this.load(gitDir);
  }

  /**
   * Forgets a repo's snapshot (after a write through Heater, or a delete). A read already under way
   * may have stamped the refs before the write: it is not joined by later callers and not kept.
   */
  invalidate(gitDir: string): void {
    this.entries.delete(gitDir);
    this.loading.delete(gitDir);
    this.generations.set(gitDir, (this.generations.get(gitDir) ?? 0) + 1);
  }

  private load(gitDir: string): Promise<RefSnapshot> {
    const running = this.loading.get(gitDir);
    if (running) return running;
    const generation = this.generations.get(gitDir) ?? 0;
    const p = (async () => {
      // Stamp first: a write landing during the read makes the next get() read again.
      const probeDirs = this.entries.get(gitDir)?.dirs ?? ['refs/tags', VERSION_NOTES, 'refs/heads'];
      const paths = stampPaths(gitDir, probeDirs);
      const stamp = stampOf(paths);
      const snapshot = await this.read(gitDir);
      const dirs = refDirs(snapshot.tags, snapshot.branches);
      const sameDirs = dirs.length === probeDirs.length && dirs.every((d, i) => d === probeDirs[i]);
      if ((this.generations.get(gitDir) ?? 0) !== generation) return snapshot; // invalidated meanwhile: answer, do not keep
      // A file system with coarse timestamps could give two writes within one tick the same mtime:
      // a stamp younger than FRESH_MS is not trusted, so the next get() reads again.
      const young = stamp.some((v, i) => i % 3 === 1 && v > Date.now() - FRESH_MS);
      // New folders (a tag named "a/b") were not stamped before the read: stamp them as never-matching, read again next time.
      this.entries.set(gitDir, sameDirs && !young
        ? { dirs, paths, tagPaths: tagPathCount(dirs), stamp, snapshot, checkedAt: -Infinity }
        : { dirs, paths: stampPaths(gitDir, dirs), tagPaths: tagPathCount(dirs), stamp: [], snapshot, checkedAt: -Infinity });
      while (this.entries.size > this.maxRepos) this.entries.delete(this.entries.keys().next().value as string);
      return snapshot;
    })().finally(() => { if (this.loading.get(gitDir) === p) this.loading.delete(gitDir); });
    this.loading.set(gitDir, p);
    return p;
  }

  private async read(gitDir: string): Promise<RefSnapshot> {
    const known = this.lastRead.get(gitDir);
    let snapshot: RefSnapshot | undefined;
    if (known && this.readSince) {
      try { snapshot = this.readSince(gitDir, known); } catch { /* something that reader does not understand: git reads it */ }
    }
    snapshot ??= await readRefs(gitDir);
    this.lastRead.delete(gitDir);
    this.lastRead.set(gitDir, snapshot);
    while (this.lastRead.size > this.maxRepos) this.lastRead.delete(this.lastRead.keys().next().value as string);
    return snapshot;
  }
}
