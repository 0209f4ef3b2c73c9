// `heater fsck`'s checks: each repository against git and Heater's rules, and the catalog index against the repositories.
import type { RepoStore, TemplateId } from '../git/store';
import { GitCommandError, runGit, gitErrorText } from '../git/exec';
import { hookState, installHooks } from '../git/hooks/install';
import { readRefs, type RefSnapshot } from '../git/refs';
import { versionOfTag, unreadableVersion } from '../registry/versions';
import type { Indexer, ReindexOutcome } from '../catalog/indexer';
import type { CatalogStore } from '../catalog/catalog-store';

/** Which check found a problem. */
export type FsckCheck = 'git' | 'hook' | 'version-tag' | 'mark' | 'index';

/** One problem: where, which check, what is wrong, and whether --repair fixed it. */
export interface FsckProblem {
  /** `namespace/name`, or null for the index as a whole. */
  readonly template: string | null;
  readonly check: FsckCheck;
  readonly message: string;
  /** Whether --repair knows how to fix it (hooks and the index; never objects or refs). */
  readonly repairable: boolean;
  readonly repaired: boolean;
}

/** What a run found. */
export interface FsckReport {
  readonly repositories: number;
  readonly problems: readonly FsckProblem[];
  /** Problems found, repaired, and left (found − repaired): a cron job acts on `left`. */
  readonly found: number;
  readonly repaired: number;
  readonly left: number;
}

export interface FsckOptions {
  /** Reinstall hooks and re-index what differs; never rewrites history or deletes objects. */
  readonly repair: boolean;
  /** The index, or why it cannot be used (absent, unreadable); its check is then one problem. */
  readonly catalog: { readonly store: CatalogStore; readonly indexer: Indexer } | string;
}

// Repositories checked at once: each runs one `git fsck`, which is CPU-bound.
const CONCURRENCY = 2;
// An index entry found behind git is looked at again after this long: a write the running server is
// indexing right now (it answers only once indexed) is then caught up, and is not a problem.
const RECHECK_MS = 1000;
// Lines of git fsck's complaint kept per repository.
const GIT_LINES = 5;

/** A VersionState message as publisher.mark writes it: both keys, each null or a mark. */
function isStateMessage(subject: string): boolean {
  let j: unknown;
  try { j = JSON.parse(subject); } catch { return false; }
  if (typeof j !== 'object' || j === null) return false;
  const o = j as Record<string, unknown>;
  const mark = (m: unknown) => m === null || (typeof m === 'object' && typeof (m as Record<string, unknown>).message === 'string');
  return 'deprecated' in o && 'yanked' in o && mark(o.deprecated) && mark(o.yanked);
}

/** Problems with version tags: one not pointing at a commit, a number semver cannot hold, v1.2.0 and 1.2.0 on different commits. */
export function versionTagProblems(refs: RefSnapshot): string[] {
  const out: string[] = [];
  const commits = new Map<string, { tag: string; commit: string }>();
  for (const ref of [...refs.tags.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const unreadable = unreadableVersion(ref.name);
    if (unreadable) { out.push(`tag ${ref.name}: ${unreadable}`); continue; }
    const v = versionOfTag(ref.name);
    if (v === null) continue;
    if (!ref.commit) { out.push(`version tag ${ref.name} points at ${ref.oid}, which is not a commit (nor a tag of one); it is not served as a version`); continue; }
    const other = commits.get(v);
    if (other && other.commit !== ref.commit) out.push(`version tags ${other.tag} and ${ref.name} name different commits (${other.commit.slice(0, 12)}, ${ref.commit.slice(0, 12)})`);
    else commits.set(v, { tag: ref.name, commit: ref.commit });
  }
  return out;
}

/** Problems with the deprecate/yank marks under refs/heater/versions/: not a tag object, not Heater's JSON, or of no version. */
export function markProblems(refs: RefSnapshot): string[] {
  const out: string[] = [];
  const versions = new Set([...refs.tags.keys()].map(versionOfTag).filter((v): v is string => v !== null));
  for (const [name, ref] of [...refs.versionNotes].sort(([a], [b]) => a.localeCompare(b))) {
    const where = `refs/heater/versions/${name}`;
    if (versionOfTag(name) !== name) out.push(`${where}: "${name}" is not a normalised version`);
    else if (!ref.annotated) out.push(`${where} points at a ${ref.commit ? 'commit' : 'non-tag object'}, not at a tag object holding the state`);
    else if (!isStateMessage(ref.subject)) out.push(`${where}: its message is not readable as the version's state (JSON with "deprecated" and "yanked"); the marks read as none`);
    else if (!versions.has(name)) out.push(`${where} marks version ${name}, which has no tag`);
  }
  return out;
}

/** What an index outcome means as a problem. */
function indexMessage(outcome: ReindexOutcome): string {
  if (outcome === 'added') return 'the repository has no index entry';
  if (outcome === 'removed') return 'the index has an entry, but there is no repository';
  return "the index entry differs from the repository's refs";
}

/** Runs every check over the data directory; with `repair`, fixes hooks and the index. Never throws for a problem it finds. */
export async function fsck(store: RepoStore, opts: FsckOptions): Promise<FsckReport> {
  const problems: FsckProblem[] = [];
  const add = (p: FsckProblem) => { problems.push(p); };
  const templates = await store.list();
  let i = 0;
  const worker = async () => {
    for (let t = templates[i++]; t; t = templates[i++]) await checkRepository(store, t, opts.repair, add);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (typeof opts.catalog === 'string') {
    add({ template: null, check: 'index', message: `the catalog index cannot be used: ${opts.catalog}`, repairable: false, repaired: false });
  } else {
    await checkIndex(templates, opts.catalog.store, opts.catalog.indexer, opts.repair, add);
  }
  const repaired = problems.filter((p) => p.repaired).length;
  problems.sort((a, b) => (a.template ?? '').localeCompare(b.template ?? '') || a.check.localeCompare(b.check));
  return { repositories: templates.length, problems, found: problems.length, repaired, left: problems.length - repaired };
}

async function checkRepository(store: RepoStore, t: TemplateId, repair: boolean, add: (p: FsckProblem) => void): Promise<void> {
  const gitDir = store.gitDir(t);
  const found = (check: FsckCheck, message: string) => add({ template: t.id, check, message, repairable: false, repaired: false });
  // connectivity and the integrity of every object (loose and packed); reflogs count as roots, as git's own gc does
  const r = await runGit(['fsck', '--no-progress', '--no-dangling'], { gitDir });
  if (r.code !== 0) {
    const text = gitErrorText(`${r.stderr}\n${r.stdout.toString('utf8')}`, GIT_LINES);
    found('git', `git fsck exited ${r.code}: ${text || 'no message'}`);
  }
  const hook = await hookState(gitDir);
  if (hook !== 'current') {
    const message = hook === 'missing' ? 'hooks/pre-receive is missing: pushes are not checked' : 'hooks/pre-receive is not the current Heater hook (or not executable)';
    let repaired = false;
    if (repair) { await installHooks(gitDir); repaired = await hookState(gitDir) === 'current'; }
    add({ template: t.id, check: 'hook', message, repairable: true, repaired });
  }
  let refs: RefSnapshot;
  try { refs = await readRefs(gitDir); } catch (e) { found('git', `its refs cannot be read: ${e instanceof GitCommandError ? gitErrorText(e.stderr) : (e as Error).message}`); return; }
  for (const m of versionTagProblems(refs)) found('version-tag', m);
  for (const m of markProblems(refs)) found('mark', m);
}

async function checkIndex(onDisk: readonly TemplateId[], catalog: CatalogStore, indexer: Indexer, repair: boolean, add: (p: FsckProblem) => void): Promise<void> {
  const ids = new Map(onDisk.map((t) => [t.id, t]));
  for (const id of (await catalog.stamps()).keys()) {
    const [namespace = '', name = ''] = id.split('/');
    if (!ids.has(id)) ids.set(id, { namespace, name, id });
  }
  const behind: TemplateId[] = [];
  const compare = async (t: TemplateId): Promise<ReindexOutcome | Error> => indexer.compare(t).catch((e: unknown) => e instanceof Error ? e : new Error(String(e)));
  for (const t of [...ids.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const outcome = await compare(t);
    if (outcome instanceof Error) add({ template: t.id, check: 'index', message: `the repository cannot be read to compare with the index: ${outcome.message}`, repairable: false, repaired: false });
    else if (outcome !== 'unchanged' && outcome !== 'absent') behind.push(t);
  }
  if (behind.length > 0 && !repair) await new Promise((r) => setTimeout(r, RECHECK_MS));
  for (const t of behind) {
    const outcome = repair ? await indexer.compare(t).catch(() => 'changed' as const) : await compare(t);
    if (outcome === 'unchanged' || outcome === 'absent' || outcome instanceof Error) continue;
    let repaired = false;
    if (repair) {
      repaired = await indexer.reindex(t).then(async () => {
        const after = await indexer.compare(t);
        return after === 'unchanged' || after === 'absent';
      }, () => false);
    }
    add({ template: t.id, check: 'index', message: indexMessage(outcome), repairable: true, repaired });
  }
}
