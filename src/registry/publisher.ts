// Writes without git: publishing a version, moving labels, deprecating and yanking versions.
import type { RepoStore, TemplateId } from '../git/store';
import { transact, writeCommit, writeTagObject, writeTree, RefTransactionError, type Identity, type NewFile, type RefOp } from '../git/writer';
import { VERSION_NOTES } from '../git/refs';
import type { Actor } from '../audit/audit-log';
import type { WriteEvents } from '../events/write-events';
import { ConflictError } from '../errors/conflict-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import { NotFoundError } from '../errors/not-found-error';
import { ValidationFailedError } from '../errors/validation-failed-error';
import { SemverViolationError } from '../errors/semver-violation-error';
import { labelProblem, unreadableVersion, versionOfTag, type Version, type VersionIndex, type VersionMark } from './versions';
import { isValidated, MAX_YAML_BYTES } from './tree-check';
import { validateTree } from './validate/validate-tree';
import { formatProblem, isError, type ValidationProblem } from './validate/problem';
import type { Registry, SemverJudgement } from './registry';

const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_MESSAGE = 2000;

function identity(p: Actor): Identity {
  return { name: p.name, email: `${p.name}@heater`, when: Math.floor(Date.now() / 1000) };
}

/** Checks a free-text message (commit message, deprecation, yank reason); returns it trimmed. */
export function checkMessage(raw: unknown, field: string, required: boolean): string {
  if (raw === undefined && !required) return '';
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > MAX_MESSAGE || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(raw)) {
    throw new InvalidInputError(field, `"${field}" must be text of 1 to ${MAX_MESSAGE} characters without control characters.`);
  }
  return raw.trim();
}

/** Returns the normalised version of an exact version string, or throws InvalidInputError. */
export function parseExactVersion(raw: unknown): string {
  const unreadable = typeof raw === 'string' ? unreadableVersion(raw) : null;
  if (unreadable) throw new InvalidInputError('version', unreadable);
  const v = typeof raw === 'string' ? versionOfTag(raw) : null;
  if (v === null) throw new InvalidInputError('version', `"${String(raw).slice(0, 100)}" is not a semver version (like 1.2.0 or v1.2.0-rc.1).`);
  // valid semver, but git cannot name a ref like this (git check-ref-format)
  if (v.endsWith('.lock')) throw new InvalidInputError('version', `"${v}" cannot be a git tag: a ref name may not end in ".lock".`);
  return v;
}

/** Validates files given directly (an upload); the same rules a push meets. */
export function validateFiles(files: readonly NewFile[]): ValidationProblem[] {
  const texts = new Map<string, string>();
  const problems: ValidationProblem[] = [];
  for (const f of files) {
    if (!isValidated(f.path)) continue;
    if (f.content.length > MAX_YAML_BYTES) { problems.push({ file: f.path, rule: 'yaml-too-large', message: `YAML files may be at most ${MAX_YAML_BYTES} bytes to be validated; this one is ${f.content.length}.` }); continue; }
    texts.set(f.path, f.content.toString('utf8'));
  }
  return [...problems, ...validateTree({ paths: new Set(files.map((f) => f.path)), texts }).problems];
}

/** Validates an upload; returns its warnings as lines, throws ValidationFailedError when anything refuses it. */
function checkedFiles(t: TemplateId, version: string, files: readonly NewFile[]): string[] {
  const problems = validateFiles(files);
  const errors = problems.filter(isError);
  // warnings never refuse; the caller gets them with the published version
  if (errors.length > 0) throw new ValidationFailedError(errors, `Version ${version} of ${t.id}`);
  return problems.filter((p) => !isError(p)).map(formatProblem);
}

/** Throws ConflictError when `version` is published already, in any spelling; versions are immutable. */
function refuseExisting(t: TemplateId, version: string, index: VersionIndex): void {
  const existing = index.byVersion.get(version);
  if (existing) throw new ConflictError('version-exists', `Version ${version} of ${t.id} already exists (tag ${existing.tag} at ${existing.ref.commit.slice(0, 12)}); versions are immutable.`);
}

/** The YAML texts of an upload that the semver check compares (path → text). */
function yamlTexts(files: readonly NewFile[]): Map<string, string> {
  return new Map(files.filter((f) => isValidated(f.path) && f.content.length <= MAX_YAML_BYTES).map((f) => [f.path, f.content.toString('utf8')]));
}

/** Every write that does not come through git push. Each takes the repo lock and ends in one ref transaction. */
export class Publisher {
  constructor(private readonly store: RepoStore, private readonly registry: Registry, private readonly events: WriteEvents) {}

  /**
   * Publishes `files` as `version`: a commit on the default branch (parent: its head) and an annotated
   * tag `v<version>`, both refs in one transaction. Creates the template if it does not exist.
   * Throws ValidationFailedError (nothing written), ConflictError when the version exists.
   */
  async publish(t: TemplateId, version: string, message: string, files: readonly NewFile[], who: Actor): Promise<{ version: Version; warnings: string[] }> {
    const noticed = checkedFiles(t, version, files);
    let created = false;
    if (!(await this.store.exists(t))) {
      try { await this.store.create(t); created = true; } catch (e) { if (!(e instanceof ConflictError)) throw e; }
    }
    const gitDir = this.store.gitDir(t);
    const release = await this.registry.locks.acquire(gitDir);
    let published = false;
    try {
      const { refs, index } = await this.registry.snapshot(t);
      refuseExisting(t, version, index);
      const semver = await this.registry.semverFindings(t, gitDir, version, yamlTexts(files));
      if (semver.refuse.length > 0) throw new SemverViolationError(semver.refuse);
      const me = identity(who);
      const branch = `refs/heads/${refs.defaultBranch}`;
      const head = refs.branches.get(refs.defaultBranch)?.commit ?? null;
      const tree = await writeTree(gitDir, files);
      const commit = await writeCommit(gitDir, { tree, parents: head ? [head] : [], author: me, message: message || `Release ${version}` });
      const tag = `v${version}`;
      const tagOid = await writeTagObject(gitDir, { object: commit, type: 'commit', tag, tagger: me, message: message || `Release ${version}` });
      const ops: RefOp[] = [
        { ref: branch, new: commit, old: head },
        { ref: `refs/tags/${tag}`, new: tagOid, old: null },
        { ref: `refs/tags/${version}`, absent: true },
      ];
      await this.apply(gitDir, ops, me, `heater: publish ${tag}`, `Version ${version} of ${t.id} was published by someone else meanwhile`);
      published = true;
      await this.events.emit({ via: 'rest', action: 'version.publish', actor: who, template: t, namespace: t.namespace, ok: true, detail: version,
        refs: [{ ref: branch, old: head ?? '', new: commit }, { ref: `refs/tags/${tag}`, old: '', new: tagOid }] });
      return { version: await this.version(t, version), warnings: [...noticed, ...semver.warn] };
    } finally {
      release();
      // a template this call created for a publish that then failed is removed again, as a refused push-to-create is
      if (created && !published) await this.registry.removeIfEmpty(t, gitDir, () => false).catch(() => { /* best effort */ });
    }
  }

  /**
   * Everything a publish of `files` as `version` would check, writing nothing (no template, object,
   * ref, audit line or write event): the validation, the version being new, the namespace's semver
   * policy against the highest lower version. Returns the judgement and the warnings the publish
   * would answer; throws what the publish would (ValidationFailedError, ConflictError,
   * SemverViolationError), so a refused dry run is the refused publish.
   */
  async dryRun(t: TemplateId, version: string, files: readonly NewFile[]): Promise<{ judgement: SemverJudgement; warnings: string[] }> {
    const noticed = checkedFiles(t, version, files);
    const exists = await this.store.exists(t);
    if (exists) refuseExisting(t, version, (await this.registry.snapshot(t)).index);
    const judgement = await this.registry.semverJudgement(t, exists ? this.store.gitDir(t) : null, version, yamlTexts(files));
    if (judgement.policy === 'enforce' && judgement.lines.length > 0) throw new SemverViolationError(judgement.lines);
    return { judgement, warnings: [...noticed, ...(judgement.policy === 'warn' ? judgement.lines : [])] };
  }

  /** Points label `name` at what `ref` resolves to. Throws InvalidInputError for a bad name, NotFoundError for a bad ref. */
  async setLabel(t: TemplateId, name: string, ref: string, who: Actor): Promise<{ label: string; commit: string; version: string | null }> {
    checkLabel(name);
    const unusable = labelProblem(name);
    if (unusable) throw new InvalidInputError('label', unusable);
    const gitDir = await this.store.require(t);
    const release = await this.registry.locks.acquire(gitDir);
    try {
      const { resolution } = await this.registry.resolve(t, ref);
      const { refs } = await this.registry.snapshot(t);
      const current = refs.tags.get(name)?.oid ?? null;
      if (current !== resolution.commit) {
        await this.apply(gitDir, [{ ref: `refs/tags/${name}`, new: resolution.commit, old: current }], identity(who), `heater: label ${name} -> ${ref}`, `Label ${name} of ${t.id} was moved by someone else meanwhile`);
        await this.events.emit({ via: 'rest', action: 'label.set', actor: who, template: t, namespace: t.namespace, ok: true, refs: [{ ref: `refs/tags/${name}`, old: current ?? '', new: resolution.commit }] });
      }
      return { label: name, commit: resolution.commit, version: resolution.version?.version ?? null };
    } finally {
      release();
    }
  }

  /** Removes label `name`. Throws NotFoundError when there is no such label. */
  async deleteLabel(t: TemplateId, name: string, who: Actor): Promise<void> {
    checkLabel(name); // not labelProblem: a label made before today's rules can still be removed
    const gitDir = await this.store.require(t);
    const release = await this.registry.locks.acquire(gitDir);
    try {
      const { refs } = await this.registry.snapshot(t);
      const current = refs.tags.get(name);
      if (!current) throw new NotFoundError('label-not-found', `${t.id} has no label ${name}.`);
      await this.apply(gitDir, [{ ref: `refs/tags/${name}`, delete: true, old: current.oid }], identity(who), `heater: remove label ${name}`, `Label ${name} of ${t.id} was changed by someone else meanwhile`);
      await this.events.emit({ via: 'rest', action: 'label.delete', actor: who, template: t, namespace: t.namespace, ok: true, refs: [{ ref: `refs/tags/${name}`, old: current.oid, new: '' }] });
    } finally {
      release();
    }
  }

  /**
   * Removes a published version: every tag that names it and its state, in one transaction. The one
   * way around version immutability, for admins only (the caller checks), and audited. Deployed
   * stacks that fetch it by number will fail: yanking is the gentler tool.
   */
  async deleteVersion(t: TemplateId, version: string, who: Actor): Promise<void> {
    const gitDir = await this.store.require(t);
    const release = await this.registry.locks.acquire(gitDir);
    try {
      const { refs, index } = await this.registry.snapshot(t);
      if (!index.byVersion.has(version)) throw new NotFoundError('version-not-found', `${t.id} has no version ${version}.`);
      const tags = [...refs.tags.values()].filter((r) => versionOfTag(r.name) === version);
      const ops: RefOp[] = tags.map((r) => ({ ref: `refs/tags/${r.name}`, delete: true as const, old: r.oid }));
      const note = refs.versionNotes.get(version);
      if (note) ops.push({ ref: `${VERSION_NOTES}/${version}`, delete: true, old: note.oid });
      await this.apply(gitDir, ops, identity(who), `heater: delete version ${version}`, `Version ${version} of ${t.id} was changed meanwhile`);
      await this.events.emit({ via: 'rest', action: 'version.delete', actor: who, template: t, namespace: t.namespace, ok: true, detail: version,
        refs: ops.map((o) => ({ ref: o.ref, old: 'old' in o && o.old ? o.old : '', new: '' })) });
    } finally {
      release();
    }
  }

  /**
   * Sets or clears a mark (`deprecated` or `yanked`) on an exact version; the state lives in
   * refs/heater/versions/<version>, a tag object whose message is the state as JSON.
   */
  async mark(t: TemplateId, version: string, kind: 'deprecated' | 'yanked', message: string | null, who: Actor): Promise<Version> {
    const gitDir = await this.store.require(t);
    const release = await this.registry.locks.acquire(gitDir);
    try {
      const { refs, index } = await this.registry.snapshot(t);
      const v = index.byVersion.get(version);
      if (!v) throw new NotFoundError('version-not-found', `${t.id} has no version ${version}.`);
      const me = identity(who);
      const mark: VersionMark | null = message === null ? null : { message, by: me.name, at: new Date(me.when * 1000).toISOString() };
      const state = { deprecated: v.deprecated, yanked: v.yanked, [kind]: mark };
      const ref = `${VERSION_NOTES}/${version}`;
      const current = refs.versionNotes.get(version)?.oid ?? null;
      const ops: RefOp[] = [];
      if (!state.deprecated && !state.yanked) {
        if (current) ops.push({ ref, delete: true, old: current });
      } else {
        const oid = await writeTagObject(gitDir, { object: v.ref.commit, type: 'commit', tag: `heater-state-${version}`, tagger: me, message: JSON.stringify(state) });
        ops.push({ ref, new: oid, old: current });
      }
      if (ops.length > 0) {
        await this.apply(gitDir, ops, me, `heater: ${message === null ? 'clear' : 'set'} ${kind} on ${version}`, `The state of version ${version} was changed by someone else meanwhile`);
        const action = kind === 'deprecated' ? (message === null ? 'version.undeprecate' : 'version.deprecate') : (message === null ? 'version.unyank' : 'version.yank');
        await this.events.emit({ via: 'rest', action, actor: who, template: t, namespace: t.namespace, ok: true, detail: version,
          refs: ops.map((o) => ({ ref: o.ref, old: 'old' in o && o.old ? o.old : '', new: 'new' in o ? o.new : '' })) });
      }
      return await this.version(t, version);
    } finally {
      release();
    }
  }

  private async apply(gitDir: string, ops: readonly RefOp[], me: Identity, reflog: string, conflict: string): Promise<void> {
    try {
      await transact(gitDir, ops, me, reflog);
    } catch (e) {
      if (e instanceof RefTransactionError) throw new ConflictError('concurrent-update', `${conflict}; nothing was changed (${e.detail}).`);
      throw e;
    } finally {
      this.registry.refsChanged(gitDir);
    }
  }

  private async version(t: TemplateId, version: string): Promise<Version> {
    const v = (await this.registry.snapshot(t)).index.byVersion.get(version);
    if (!v) throw new Error(`version ${version} of ${t.id} vanished right after it was written`);
    return v;
  }
}

function checkLabel(name: string): void {
  if (!LABEL.test(name) || name.includes('..') || name.endsWith('.lock')) {
    throw new InvalidInputError('label', `"${name.slice(0, 100)}" is not a valid label: use letters, digits, ".", "_" and "-", starting with a letter or digit, up to 100 characters.`);
  }
  const unreadable = unreadableVersion(name);
  if (unreadable) throw new InvalidInputError('label', unreadable);
  if (versionOfTag(name) !== null) throw new InvalidInputError('label', `"${name}" is a version number; labels are the tags that are not versions.`);
}
