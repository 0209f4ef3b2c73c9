// The registry: templates, their versions and labels, and the files at a version, read from git.
import { RepoStore, type TemplateId } from '../git/store';
import { FRESH_MS, RefCache, type RefSnapshot } from '../git/refs';
import { ObjectReader, STREAM_THRESHOLD, type TreeFile } from '../git/objects';
import { CatFilePool } from '../git/catfile-pool';
import { DirectRepo } from '../git/direct-reader';
import { memoHeatYaml, type HeatYamlLoad } from '../heat/yaml';
import { streamGit, type GitStream } from '../git/exec';
import { QuarantineReader } from '../git/quarantine';
import { MAX_YAML_BYTES, TreeChecker } from './tree-check';
import { previousVersion, RANK, tagsNaming, tagsNamingIn, yamlTextsOf } from './version-reads';
import { SemVer } from 'semver';
import { bumpSuffices, compatibility, versionBump, type Compat } from '../diff/compat';
import type { Bump } from '../diff/heat-summary';
import type { NamespaceSettingsStore, SemverPolicy } from './namespace-settings';
import { FactsReader, type VersionFacts } from './version-facts';
import { InvalidInputError } from '../errors/invalid-input-error';
import { NotFoundError } from '../errors/not-found-error';
import { indexVersions, latestVersion, type Version, type VersionIndex, type VersionMark } from './versions';
import { resolveRef, type Resolution } from './resolve';
import { checkPush, type PushVerdict, type RefUpdate } from './push-policy';
import { RepoLocks } from './repo-locks';

export interface TemplateSummary {
  readonly namespace: string;
  readonly name: string;
  readonly id: string;
  /** The latest version's manifest description, else the repository's description file. */
  readonly description: string;
  /** The latest version's manifest keywords. */
  readonly keywords: readonly string[];
  readonly latestVersion: string | null;
  readonly updated: string;
}

export interface LabelInfo {
  readonly name: string;
  readonly commit: string;
  readonly version: string | null;
}

export interface TemplateDetail extends TemplateSummary {
  readonly created: string;
  readonly defaultBranch: string;
  readonly versionCount: number;
  readonly labels: readonly LabelInfo[];
}

export interface VersionInfo {
  readonly version: string;
  readonly tag: string;
  readonly commit: string;
  readonly created: string;
  readonly author: string;
  readonly message: string;
  /** Deprecation: the version still resolves everywhere, with this message. */
  readonly deprecated: VersionMark | null;
  /** Yank: the version resolves only by exact number or commit, never by a range or `latest`. */
  readonly yanked: VersionMark | null;
}

/** What the catalog reads of a template (see Registry.sources). */
export interface TemplateSources {
  readonly detail: TemplateDetail;
  /** Highest first. */
  readonly versions: readonly VersionInfo[];
  /** The latest version's manifest and interface; null when there is no latest version. */
  readonly facts: VersionFacts | null;
  readonly refs: RefSnapshot;
  readonly repoDescription: string;
}

/** A template read from one ref snapshot through one reader: its sources, its versions, and the YAML texts of any of its trees. */
export interface TemplateReading {
  readonly sources: TemplateSources;
  readonly index: VersionIndex;
  yamlTexts(tree: string): Promise<Map<string, string>>;
  /** Reads YAML as Heat does; one that remembers what this reading already parsed, when it has one. */
  readonly load?: (text: string) => HeatYamlLoad;
}

export interface FileBody {
  readonly resolution: Resolution;
  readonly file: TreeFile;
  /** Bytes for files up to STREAM_THRESHOLD, a streaming git beyond. */
  readonly body: Buffer | GitStream;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export type ArchiveFormat = 'tar.gz' | 'zip';

const MAX_PATH = 4096;

/** Returns the file path as stored in git, or throws InvalidInputError for `..`, empty segments, NUL and the like. */
export function parseFilePath(segments: readonly string[]): string {
  if (segments.length === 0) throw new InvalidInputError('path', 'A file path is required after /files/.');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || /[\0/]/.test(s)) {
      throw new InvalidInputError('path', 'A file path is a "/"-separated list of names; ".", "..", empty names, encoded slashes and NUL bytes are not allowed.');
    }
  }
  const p = segments.join('/');
  if (Buffer.byteLength(p) > MAX_PATH) throw new InvalidInputError('path', `A file path may be at most ${MAX_PATH} bytes.`);
  return p;
}

/** Reads and guards templates. Every method takes a validated TemplateId. */
export class Registry {
  readonly locks = new RepoLocks();
  private readonly checker = new TreeChecker();
  private readonly factsReader: FactsReader;

  constructor(
    private readonly store: RepoStore,
    private readonly refs: RefCache,
    private readonly objects: ObjectReader,
    private readonly pool: CatFilePool,
    private readonly settings: NamespaceSettingsStore,
    private readonly limits: { readonly maxFileBytes: number },
  ) {
    this.factsReader = new FactsReader(objects);
  }

  /** The refs of an existing template; throws NotFoundError. */
  async snapshot(t: TemplateId): Promise<{ gitDir: string; refs: RefSnapshot; index: VersionIndex }> {
    return this.cachedSnapshot(t) ?? this.loadSnapshot(t);
  }

  /** The refs of a template when the cache holds them and they are current (which proves the repo exists). */
  cachedSnapshot(t: TemplateId): { gitDir: string; refs: RefSnapshot; index: VersionIndex } | undefined {
    const gitDir = this.store.gitDir(t);
    const refs = this.refs.peek(gitDir);
    return refs ? { gitDir, refs, index: indexVersions(refs) } : undefined;
  }

  private async loadSnapshot(t: TemplateId): Promise<{ gitDir: string; refs: RefSnapshot; index: VersionIndex }> {
    const gitDir = await this.store.require(t);
    const refs = await this.refs.get(gitDir);
    return { gitDir, refs, index: indexVersions(refs) };
  }

  /** A page of templates sorted by id, after `cursor` (an opaque value from the previous page). */
  async list(limit: number, cursor: string | undefined, visible: (namespace: string) => Promise<boolean> = async () => true): Promise<Page<TemplateSummary>> {
    let after = '';
    if (cursor !== undefined) {
      after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!/^[a-z0-9._-]+\/[a-z0-9._-]+$/.test(after)) throw new InvalidInputError('cursor', 'The cursor is not one this server handed out; start again without it.');
    }
    const all: TemplateId[] = [];
    for (const t of await this.store.list()) if (t.id > after && (await visible(t.namespace))) all.push(t);
    const page = all.slice(0, limit);
    const items = await Promise.all(page.map((t) => this.summary(t)));
    const last = page[page.length - 1];
    return { items: items.filter((x): x is TemplateSummary => x !== null), nextCursor: all.length > limit && last ? Buffer.from(last.id).toString('base64url') : null };
  }

  private async summary(t: TemplateId): Promise<TemplateSummary | null> {
    try {
      const { gitDir, refs, index } = await this.snapshot(t);
      return { ...idOf(t), ...(await this.describe(gitDir, index)), latestVersion: latestVersion(index)?.version ?? null, updated: refs.updated };
    } catch (e) {
      if (e instanceof NotFoundError) return null; // deleted while listing
      throw e;
    }
  }

  /** Description and keywords: the latest version's manifest speaks for the template, the description file otherwise. */
  private async describe(gitDir: string, index: VersionIndex, factsReader = this.factsReader): Promise<{ description: string; keywords: readonly string[] }> {
    const latest = latestVersion(index);
    const manifest = latest?.ref.tree ? (await factsReader.facts(gitDir, latest.ref.tree)).manifest : null;
    return { description: manifest?.description || (await this.store.description(gitDir)), keywords: manifest?.keywords ?? [] };
  }

  /** Everything about one template; throws NotFoundError. */
  async get(t: TemplateId): Promise<TemplateDetail> {
    const { gitDir, refs, index } = await this.snapshot(t);
    try {
      return await this.detailOf(t, gitDir, refs, index);
    } catch (e) {
      // deleted while it was read (a DELETE, a refused push-to-create removing its empty repo): gone, not broken
      await this.store.require(t);
      throw e;
    }
  }

  /** Runs `f` on a template's sources and its trees' YAML texts, read through git from one ref snapshot. Throws NotFoundError. */
  async read<R>(t: TemplateId, f: (r: TemplateReading) => Promise<R>): Promise<R> {
    const { gitDir, refs, index } = await this.snapshot(t);
    const sources = await this.sourcesOf(t, gitDir, refs, index, this.factsReader);
    return f({ sources, index, yamlTexts: (tree) => this.yamlTexts(gitDir, tree) });
  }

  /**
   * The same as read(), in-process (DirectRepo) without spawning git; throws NotDirect when the
   * repository has something that reader does not understand (then use read()). Its reads are
   * synchronous: for heal and rebuild, not for a request's path.
   */
  async readDirect<R>(t: TemplateId, f: (r: TemplateReading) => Promise<R>): Promise<R> {
    const gitDir = await this.store.require(t);
    const repo = new DirectRepo(gitDir);
    try {
      const refs = repo.readRefs();
      const index = indexVersions(refs);
      const load = memoHeatYaml(); // the latest entrypoint is read for its facts and again for the changelog
      const facts = new FactsReader({ listTree: async (_g, tree) => repo.listTree(tree), readBlob: async (_g, oid) => repo.readBlob(oid) }, 16, load);
      const sources = await this.sourcesOf(t, gitDir, refs, index, facts);
      return await f({ sources, index, load, yamlTexts: async (tree) => yamlTextsOf([...repo.listTree(tree).values()], async (oid) => repo.readBlob(oid)) });
    } finally {
      repo.close();
    }
  }

  private async sourcesOf(t: TemplateId, gitDir: string, refs: RefSnapshot, index: VersionIndex, factsReader: FactsReader): Promise<TemplateSources> {
    const latest = latestVersion(index);
    const [detail, facts, repoDescription] = await Promise.all([
      this.detailOf(t, gitDir, refs, index, factsReader),
      latest?.ref.tree ? factsReader.facts(gitDir, latest.ref.tree) : null,
      this.store.description(gitDir),
    ]);
    return { detail, versions: index.versions.map(versionInfo), facts, refs, repoDescription };
  }

  private async detailOf(t: TemplateId, gitDir: string, refs: RefSnapshot, index: VersionIndex, factsReader = this.factsReader): Promise<TemplateDetail> {
    const labels = [...index.labels.values()].map((l) => ({ name: l.name, commit: l.commit, version: index.byCommit.get(l.commit)?.[0]?.version ?? null }));
    return {
      ...idOf(t),
      ...(await this.describe(gitDir, index, factsReader)),
      latestVersion: latestVersion(index)?.version ?? null,
      updated: refs.updated,
      created: await this.store.created(gitDir),
      defaultBranch: refs.defaultBranch,
      versionCount: index.versions.length,
      labels,
    };
  }

  /** Creates an empty template; throws ConflictError when it exists. */
  async create(t: TemplateId, description: string): Promise<TemplateDetail> {
    await this.store.create(t, { description });
    return this.get(t);
  }

  /** Deletes a template and everything in it; throws NotFoundError. */
  async remove(t: TemplateId): Promise<void> {
    const gitDir = this.store.gitDir(t);
    const release = await this.locks.acquire(gitDir);
    try {
      await this.store.remove(t);
    } finally {
      release();
      this.pool.drop(gitDir);
      this.refs.invalidate(gitDir);
    }
  }

  /**
   * Deletes a template that has no refs, unless `isBusy()` says a push to it is running; both are
   * checked under the repo lock. Used to undo a push-to-create whose push was refused.
   */
  async removeIfEmpty(t: TemplateId, gitDir: string, isBusy: () => boolean): Promise<void> {
    const release = await this.locks.acquire(gitDir);
    try {
      if (isBusy() || !(await this.store.exists(t))) return;
      this.refs.invalidate(gitDir);
      const refs = await this.refs.get(gitDir);
      if (refs.tags.size > 0 || refs.branches.size > 0) return;
      this.pool.drop(gitDir);
      await this.store.remove(t);
    } finally {
      release();
      this.refs.invalidate(gitDir);
    }
  }

  /** Every version, highest first. */
  async versions(t: TemplateId): Promise<VersionInfo[]> {
    const { index } = await this.snapshot(t);
    return index.versions.map(versionInfo);
  }

  /** Resolves a ref (see resolveRef); throws InvalidInputError or NotFoundError. */
  async resolve(t: TemplateId, ref: string): Promise<{ gitDir: string; resolution: Resolution }> {
    const { gitDir, index } = await this.snapshot(t);
    const resolution = await resolveRef(t.id, index, ref, (hex) => this.objects.findCommit(gitDir, hex));
    return { gitDir, resolution };
  }

  /** The manifest and interface of the version at a resolved ref. */
  async facts(gitDir: string, resolution: Resolution): Promise<VersionFacts> {
    return this.factsReader.facts(gitDir, await this.treeOf(gitDir, resolution));
  }

  /** The files of the tree at a resolved ref, sorted by path. */
  async files(gitDir: string, resolution: Resolution): Promise<TreeFile[]> {
    const tree = await this.treeOf(gitDir, resolution);
    return [...(await this.objects.listTree(gitDir, tree)).values()];
  }

  /** One file at a ref; throws NotFoundError when the version or the path does not exist. */
  async file(t: TemplateId, ref: string, filePath: string): Promise<FileBody> {
    const { gitDir, resolution } = await this.resolve(t, ref);
    const files = await this.objects.listTree(gitDir, await this.treeOf(gitDir, resolution));
    const file = files.get(filePath);
    const at = resolution.version ? `version ${resolution.version.version}` : `commit ${resolution.commit.slice(0, 12)}`;
    if (!file) {
      const isDir = [...files.keys()].some((p) => p.startsWith(`${filePath}/`));
      throw new NotFoundError('file-not-found', isDir
        ? `${filePath} is a directory in ${at} of ${t.id}; GET the version itself to list its files.`
        : `There is no file ${filePath} in ${at} of ${t.id}.`);
    }
    if (file.mode === '120000' || file.mode === '160000') {
      throw new NotFoundError('file-not-found', `${filePath} in ${at} of ${t.id} is a ${file.mode === '120000' ? 'symbolic link' : 'submodule'}, which Heater does not serve as a file.`);
    }
    const body = file.size > STREAM_THRESHOLD ? this.objects.streamBlob(gitDir, file.oid) : await this.objects.readBlob(gitDir, file.oid);
    return { resolution, file, body };
  }

  /** A `git archive` of the tree at a resolved ref, with every path under `prefix/`; whole only when it exits 0. */
  archive(gitDir: string, resolution: Resolution, format: ArchiveFormat, prefix: string): GitStream {
    return streamGit(['archive', `--format=${format}`, `--prefix=${prefix}/`, resolution.commit], { gitDir });
  }

  /**
   * Checks a push before its refs move (pre-receive), peeling new tags among the quarantined
   * objects (`quarantineEnv`). Reads only the refs the rules need, fresh (the caller holds the repo
   * lock): a full ref snapshot costs several times more on a repo with hundreds of tags.
   */
  async checkPush(t: TemplateId, gitDir: string, updates: readonly RefUpdate[], quarantineEnv: Readonly<Record<string, string>>): Promise<PushVerdict> {
    // objects the repo has and the server read lately (the last version's templates) come from memory
    const reader = new QuarantineReader(gitDir, quarantineEnv, this.pool, (oid) => this.objects.cachedBlob(oid));
    try {
      return await checkPush(t.id, updates, {
        maxFileBytes: this.limits.maxFileBytes,
        filesOver: async (tips) => reader.filesOver(tips, this.limits.maxFileBytes),
        peel: async (oids) => new Map(await Promise.all(oids.map(async (o) => [o, await reader.peel(o)] as const))),
        tagsNaming: async (versions) => {
          const refs = this.refs.peek(gitDir, true);
          return refs ? tagsNamingIn(refs, versions) : tagsNaming(gitDir, versions);
        },
        validate: async (commit) => {
          const tree = await reader.treeOf(commit);
          return tree ? this.checker.check(reader, tree) : [{ file: '', rule: 'not-a-commit', message: `${commit} is not a commit.` }];
        },
        semver: async (version, commit, earlier) => {
          // this push's trees are walked in-process through the reader (the quarantine, the repo's cat-file);
          // the published version compared with is read as the catalog read it, from the object caches
          const textsOfTree = async (tree: string) => yamlTextsOf(await reader.listTree(tree), async (oid) => {
            const o = await reader.read(oid, MAX_YAML_BYTES);
            return o && o.size <= MAX_YAML_BYTES ? o.body : null;
          });
          const textsAt = async (c: string) => textsOfTree(await reader.treeOf(c));
          return this.semverFindings(t, gitDir, version, await textsAt(commit), earlier.map((e) => ({ version: e.version, texts: () => textsAt(e.commit) })));
        },
      });
    } finally {
      reader.close();
    }
  }

  /**
   * What the namespace's semver policy says of publishing `version` with these YAML texts, judged
   * against the highest lower version: lines that refuse it (`enforce`) or warn (`warn`).
   */
  async semverFindings(t: TemplateId, gitDir: string, version: string, texts: ReadonlyMap<string, string>,
    earlier: readonly { version: string; texts: () => Promise<ReadonlyMap<string, string>> }[] = []): Promise<{ refuse: string[]; warn: string[] }> {
    const { semver: policy } = await this.settings.get(t.namespace);
    if (policy === 'off') return { refuse: [], warn: [] };
    const lines = semverLines(await this.judgeBump(gitDir, version, texts, earlier));
    return policy === 'enforce' ? { refuse: lines, warn: [] } : { refuse: [], warn: lines };
  }

  /**
   * The bump publishing `version` with these YAML texts needs against the highest lower published
   * version, the step its number makes and the namespace's policy, whatever that policy is (a dry
   * run says it even with `off`). `gitDir` null: a template that does not exist yet.
   */
  async semverJudgement(t: TemplateId, gitDir: string | null, version: string, texts: ReadonlyMap<string, string>): Promise<SemverJudgement> {
    const { semver: policy } = await this.settings.get(t.namespace);
    const judged = gitDir === null ? { ...FIRST_VERSION, version } : await this.judgeBump(gitDir, version, texts, []);
    return { ...judged, policy, lines: semverLines(judged) };
  }

  private async judgeBump(gitDir: string, version: string, texts: ReadonlyMap<string, string>,
    earlier: readonly { version: string; texts: () => Promise<ReadonlyMap<string, string>> }[]): Promise<BumpJudgement> {
    const index = indexVersions(await this.refs.get(gitDir));
    const target = new SemVer(version);
    // the version below: among those published, and those created earlier in the same push
    const published = previousVersion(index, target);
    const pushed = earlier.map((e) => ({ ...e, semver: new SemVer(e.version) }))
      .filter((e) => e.semver.compare(target) < 0 && (target.prerelease.length > 0 || e.semver.prerelease.length === 0))
      .sort((x, y) => y.semver.compare(x.semver))[0];
    const useEarlier = pushed !== undefined && (!published || pushed.semver.compare(published.semver) > 0);
    const against = useEarlier ? { version: pushed.version, semver: pushed.semver } : published ? { version: published.version, semver: published.semver } : null;
    if (!against) return { ...FIRST_VERSION, version };
    const before = useEarlier ? await pushed.texts() : await this.yamlTexts(gitDir, (published as Version).ref.tree);
    const compat = compatibility(before, texts);
    const actual = versionBump(against.semver, target);
    return { version, against: against.version, compat, actual, ok: bumpSuffices(actual, compat.required) };
  }

  /**
   * The bump the changes from `against` (default: the version below) to `ref` need, and whether
   * ref's number respects it. Throws InvalidInputError when `ref` is not a version.
   */
  async compat(t: TemplateId, ref: string, againstRef: string | undefined): Promise<{ version: Version; against: Version | null; compat: Compat; actual: Bump; ok: boolean }> {
    const { gitDir, resolution } = await this.resolve(t, ref);
    const version = resolution.version;
    if (!version) throw new InvalidInputError('ref', `${ref} resolves to commit ${resolution.commit.slice(0, 12)}, which carries no version; compatibility is between versions.`);
    let against: Version | null = null;
    if (againstRef !== undefined) {
      against = (await this.resolve(t, againstRef)).resolution.version ?? null;
      if (!against) throw new InvalidInputError('against', `${againstRef} resolves to a commit that carries no version.`);
    } else {
      against = previousVersion((await this.snapshot(t)).index, version.semver) ?? null;
    }
    if (!against) return { version, against: null, compat: { required: 'none', breaking: false, changes: [] }, actual: 'none', ok: true };
    const compat = compatibility(await this.yamlTexts(gitDir, against.ref.tree), await this.yamlTexts(gitDir, version.ref.tree));
    const actual = versionBump(against.semver, version.semver);
    return { version, against, compat, actual, ok: bumpSuffices(actual, compat.required) };
  }

  /** YAML texts (path → text) of a tree in the repo. */
  async yamlTexts(gitDir: string, tree: string): Promise<Map<string, string>> {
    const files = [...(await this.objects.listTree(gitDir, tree)).values()];
    return yamlTextsOf(files, async (oid) => this.objects.readBlob(gitDir, oid));
  }

  /**
   * The ref snapshot answers about `t` are read from, when it is in memory and current: `now()`
   * checks every ref file, `recent(ms)` trusts a check made less than `ms` ago (RefCache.peekRecent);
   * both give undefined otherwise. An answer computed between two calls that return the same object
   * was computed from that snapshot.
   */
  refsProbe(t: TemplateId): { now: () => RefSnapshot | undefined; recent: (withinMs: number) => RefSnapshot | undefined } {
    const gitDir = this.store.gitDir(t);
    return { now: () => this.refs.peek(gitDir), recent: (withinMs) => this.refs.peekRecent(gitDir, withinMs) };
  }

  /** Forgets cached refs of a repo after a write. */
  refsChanged(gitDir: string): void {
    this.refs.invalidate(gitDir);
    // Read them again soon, off the pusher's clock (once the stamp is old enough to be trusted):
    // the next push's check and the next read then find them current.
    setTimeout(() => {
      Promise.resolve(this.refs.get(gitDir)).catch(() => { /* the repo went away (a refused push-to-create) */ });
    }, FRESH_MS + 1).unref();
  }

  /** The root tree of the commit a ref resolved to. */
  async treeOf(gitDir: string, r: Resolution): Promise<string> {
    return r.tree || this.objects.commitTree(gitDir, r.commit);
  }
}

/** The semver verdict on a version about to be published: what it is compared with, the bump its changes need, the step its number makes. */
export interface BumpJudgement {
  readonly version: string;
  /** The highest lower version, or null for the first one (never judged). */
  readonly against: string | null;
  readonly compat: Compat;
  readonly actual: Bump;
  readonly ok: boolean;
}

/** A BumpJudgement with the namespace's policy and the lines that policy refuses or warns with (none when ok). */
export interface SemverJudgement extends BumpJudgement {
  readonly policy: SemverPolicy;
  readonly lines: readonly string[];
}

const FIRST_VERSION = Object.freeze({ against: null, compat: { required: 'none', breaking: false, changes: [] }, actual: 'none', ok: true } as const);

/** The lines a refusal or a warning says: the step, the step needed, each change that needs more (at most 50). */
function semverLines(j: BumpJudgement): string[] {
  if (j.ok) return [];
  return [
    `version ${j.version} is a ${j.actual} step from ${j.against ?? 'nothing'}, but its changes need a ${j.compat.required} one:`,
    ...j.compat.changes.filter((c) => RANK[c.bump] > RANK[j.actual]).slice(0, 50).map((c) => `  ${c.file}: ${c.detail} (${c.breaking ? 'breaking' : 'compatible'}, ${c.bump})`),
  ];
}

function idOf(t: TemplateId) {
  return { namespace: t.namespace, name: t.name, id: t.id };
}

/** The public view of a version. */
export function versionInfo(v: Version): VersionInfo {
  return { version: v.version, tag: v.tag, commit: v.ref.commit, created: v.ref.created, author: v.ref.author, message: v.ref.subject, deprecated: v.deprecated, yanked: v.yanked };
}

