// Resolving a `:ref` (exact version, range, latest, label or commit) against a version index.
import { Range } from 'semver';
import { InvalidInputError } from '../errors/invalid-input-error';
import { NotFoundError } from '../errors/not-found-error';
import { latestVersion, unreadableVersion, unsafeNumber, versionOfTag, type Version, type VersionIndex } from './versions';

export type ResolvedBy = 'version' | 'range' | 'latest' | 'label' | 'commit';

export interface Resolution {
  /** What was asked. */
  readonly requested: string;
  readonly resolvedBy: ResolvedBy;
  /** The version, when the commit carries one (for a label or commit, the highest at that commit). */
  readonly version: Version | undefined;
  readonly label?: string;
  readonly commit: string;
  /** The commit's root tree when the refs already told it, else '' (a commit id: looked up). */
  readonly tree: string;
  /** Exact versions and full commit ids never change what they name: safe to cache forever. */
  readonly immutable: boolean;
}

// Printable ASCII without spaces at the ends: tag names, hex and semver ranges all fit in this.
const REF_SHAPE = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;
const RANGE_CHARS = /^[0-9A-Za-z.+\-^~<>=*|xX ]+$/;
const HEX = /^[0-9a-f]{7,40}$/;

const ranges = new Map<string, Range | null>();
function parseRange(text: string): Range | null {
  let r = ranges.get(text);
  if (r === undefined) {
    try { r = new Range(text); } catch { r = null; }
    if (ranges.size > 1000) ranges.clear();
    ranges.set(text, r);
  }
  return r;
}

function tagList(index: VersionIndex, max = 20): string {
  if (index.versions.length === 0) return 'this template has no versions yet';
  const shown = index.versions.slice(0, max).map((v) => (v.yanked ? `${v.version} (yanked)` : v.version)).join(', ');
  return `the versions are ${shown}${index.versions.length > max ? ` and ${index.versions.length - max} lower` : ''}`;
}

const memo = new WeakMap<VersionIndex, Map<string, Resolution>>();
const MEMO_SIZE = 512;

/**
 * Resolves `ref` in this order: `latest`, exact version, label, commit id (7+ hex), semver range.
 * `findCommit` looks a hex prefix up in the repo. Throws InvalidInputError for a ref that cannot
 * be any of these, NotFoundError (naming the versions that exist) when nothing matches.
 */
export async function resolveRef(template: string, index: VersionIndex, ref: string,
  findCommit: (hex: string) => Promise<string | null>): Promise<Resolution> {
  const known = resolveKnown(template, index, ref);
  if (known) return known;
  const commit = await findCommit(ref);
  if (commit) return { requested: ref, resolvedBy: 'commit', version: index.byCommit.get(commit)?.[0], commit, tree: '', immutable: ref.length === 40 };
  return resolveRange(template, index, ref);
}

/**
 * Resolves `ref` from the version index alone, or returns null when it may be a commit id (hex,
 * and not a label), which only the repo can tell. Results are remembered per index (an index is
 * immutable), so a warm range costs a map lookup. Throws as resolveRef.
 */
export function resolveKnown(template: string, index: VersionIndex, ref: string): Resolution | null {
  let known = memo.get(index);
  const hit = known?.get(ref);
  if (hit) return hit;
  const r = resolveUncached(template, index, ref);
  if (r) {
    if (!known) { known = new Map(); memo.set(index, known); }
    if (known.size >= MEMO_SIZE) known.clear();
    known.set(ref, r);
  }
  return r;
}

function resolveUncached(template: string, index: VersionIndex, ref: string): Resolution | null {
  if (!REF_SHAPE.test(ref)) throw new InvalidInputError('ref', 'A version reference must be 1 to 256 printable ASCII characters: a version, a semver range, "latest", a label or a commit id.');
  if (ref === 'latest') {
    const v = latestVersion(index);
    if (!v) throw new NotFoundError('version-not-found', `${template} has no release version for "latest" (prereleases and yanked versions are not counted); ${tagList(index)}.`);
    return at(ref, v, 'latest', false);
  }
  const unreadable = unreadableVersion(ref);
  if (unreadable) throw new InvalidInputError('ref', unreadable);
  const exact = versionOfTag(ref);
  if (exact !== null) {
    const v = index.byVersion.get(exact);
    if (!v) throw new NotFoundError('version-not-found', `${template} has no version ${exact}; ${tagList(index)}.`);
    return at(ref, v, 'version', true);
  }
  const label = index.labels.get(ref);
  if (label) {
    if (!label.commit) throw new NotFoundError('version-not-found', `Label ${ref} of ${template} does not point at a commit.`);
    return { requested: ref, resolvedBy: 'label', label: ref, version: index.byCommit.get(label.commit)?.[0], commit: label.commit, tree: label.tree, immutable: false };
  }
  if (HEX.test(ref)) return null;
  return resolveRange(template, index, ref);
}

function resolveRange(template: string, index: VersionIndex, ref: string): Resolution {
  const range = RANGE_CHARS.test(ref) ? parseRange(ref) : null;
  if (range) {
    // versions are sorted highest first, so the first match is the highest that satisfies; yanked ones never match
    const v = index.versions.find((x) => !x.yanked && range.test(x.semver));
    if (!v) throw new NotFoundError('version-not-found', `No version of ${template} satisfies ${ref}; ${tagList(index)}.`);
    return at(ref, v, 'range', false);
  }
  // shaped like a version or range ("99999999999999999999.x", "<1.0.0 || 1e30"): say which number is too big
  const unsafe = /^[<>=^~vV\s]*\d/.test(ref) ? unsafeNumber(ref) : null;
  if (unsafe) throw new InvalidInputError('ref', unsafe);
  if (/[<>=^~*|]|\s/.test(ref)) throw new InvalidInputError('ref', `"${ref}" is not a valid semver range (examples: ^1.2, ~1.2.0, 1.x, >=1.0.0 <2.0.0).`);
  throw new NotFoundError('version-not-found', `${template} has no version, label or commit named "${ref}"; ${tagList(index)}.`);
}

function at(requested: string, v: Version, resolvedBy: ResolvedBy, immutable: boolean): Resolution {
  return { requested, resolvedBy, version: v, commit: v.ref.commit, tree: v.ref.tree, immutable };
}
