// Versions and labels: which tags are semver versions, their order, and what each commit carries.
import { SemVer, validRange } from 'semver';
import type { RefEntry, RefSnapshot } from '../git/refs';

// semver.org's grammar, with an optional leading "v"; nothing looser (no "=1.2.0", no "1.2").
// semver's own limit (semver/internal/constants.js MAX_LENGTH)
const MAX_VERSION_LENGTH = 256;
const VERSION_TAG = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * The normalised version a tag name denotes (`v1.2.0` → `1.2.0`; build metadata dropped), or null
 * for a label and for a version semver cannot hold (see unreadableVersion). Never throws.
 */
export function versionOfTag(tag: string): string | null {
  if (!VERSION_TAG.test(tag)) return null;
  return parsedTag(tag)?.version ?? null;
}

// Tags parsed once: a snapshot taken after every write indexes hundreds of tags it has seen before.
const PARSED_MAX = 100_000;
const parsed = new Map<string, SemVer | null>();

/** The SemVer a version tag reads as, or null; kept by tag (SemVer objects are shared: never changed). */
function parsedTag(tag: string): SemVer | null {
  let v = parsed.get(tag);
  if (v === undefined) {
    try { v = new SemVer(tag); } catch { v = null; }
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(tag, v);
  }
  return v;
}

/**
 * Why a tag shaped like a version cannot be one, or null: semver (and so Heater) holds numbers up to
 * Number.MAX_SAFE_INTEGER and version strings up to 256 characters, and throws past them.
 */
export function unreadableVersion(tag: string): string | null {
  if (!VERSION_TAG.test(tag) || versionOfTag(tag) !== null) return null;
  return tag.length > MAX_VERSION_LENGTH
    ? `"${tag.slice(0, 40)}…" is too long for a version: a version is at most ${MAX_VERSION_LENGTH} characters.`
    : `"${tag}" is not a usable version: each of its numbers may be at most ${Number.MAX_SAFE_INTEGER}.`;
}

/** Why a version or range has a number semver cannot hold (past Number.MAX_SAFE_INTEGER), or null. */
export function unsafeNumber(text: string): string | null {
  const big = (text.match(/\d+/g) ?? []).find((d) => Number(d) > Number.MAX_SAFE_INTEGER);
  return big === undefined ? null : `"${text.slice(0, 100)}" has the number ${big.slice(0, 40)}; numbers in versions and ranges may be at most ${Number.MAX_SAFE_INTEGER}.`;
}

export interface Version {
  /** Normalised: `1.2.0`, `2.0.0-rc.1`. */
  readonly version: string;
  readonly semver: SemVer;
  /** The tag that carries it (`v1.2.0` or `1.2.0`); when both exist on one commit, the `v` form. */
  readonly tag: string;
  readonly ref: RefEntry;
  /** Set when a writer deprecated it: it still resolves everywhere, with this message. */
  readonly deprecated: VersionMark | null;
  /** Set when a writer yanked it: it resolves only by its exact number or commit, never by a range or `latest`. */
  readonly yanked: VersionMark | null;
}

/** Who marked a version, when and why. */
export interface VersionMark {
  /** The deprecation message or the yank reason. */
  readonly message: string;
  readonly by: string;
  readonly at: string;
}

/** The state Heater keeps for a version in refs/heater/versions/<version> (the tag message, as JSON). */
export interface VersionState {
  readonly deprecated: VersionMark | null;
  readonly yanked: VersionMark | null;
}

/** Parses a version-state tag message; unreadable state counts as none (and is logged by nobody: it is ours). */
export function parseVersionState(subject: string): VersionState {
  try {
    const j = JSON.parse(subject) as Partial<Record<'deprecated' | 'yanked', Partial<VersionMark> | null>>;
    const mark = (m: Partial<VersionMark> | null | undefined): VersionMark | null =>
      m && typeof m.message === 'string' ? { message: m.message, by: String(m.by ?? ''), at: String(m.at ?? '') } : null;
    return { deprecated: mark(j.deprecated), yanked: mark(j.yanked) };
  } catch {
    return { deprecated: null, yanked: null };
  }
}

/** What a version is and what a label may be: said whenever a tag name is refused for looking like neither. */
export const TAG_RULE = 'A version is MAJOR.MINOR.PATCH with an optional lower-case "v", optional -prerelease and +build parts and no leading zeros (1.2.0, v1.2.0, 2.0.0-rc.1); a label is any other name that does not read as a version or a semver range (stable, known-good, prod).';

// A dotted number or a bare number at the start, "v" or "V" allowed: V1.1.0, v01.1.0, v1.1, 1.1.0.0, v1.2.0-, V2, 01.
const VERSION_LIKE = /^[vV]?\d+(?:(?:\.\d+)+|$)/;

/**
 * Why a tag that is not a version may not be created or moved as a label, or null when it may:
 * it reads as a semver range (npm refuses such dist-tags too: a label would hide the range), it
 * looks like a mistyped version (the pusher would believe an immutable version was published),
 * it is `latest`, or it reads as a commit id. Call it for tags versionOfTag gives null for.
 */
export function labelProblem(name: string): string | null {
  if (validRange(name) !== null) return `"${name}" reads as a semver range, and a label by that name would hide the range. ${TAG_RULE}`;
  if (VERSION_LIKE.test(name)) return `"${name}" looks like a mistyped version, so it is not taken as a label (labels move, versions never do). ${TAG_RULE}`;
  if (name === 'latest') return '"latest" is reserved: it always means the highest release version.';
  if (/^[0-9a-f]{7,40}$/.test(name)) return `"${name}" looks like a commit id; pick a label that does not.`;
  return null;
}

/** A repo's versions and labels, derived from one ref snapshot. */
export interface VersionIndex {
  /** Highest first. */
  readonly versions: readonly Version[];
  readonly byVersion: ReadonlyMap<string, Version>;
  readonly labels: ReadonlyMap<string, RefEntry>;
  /** Versions at each commit, highest first. */
  readonly byCommit: ReadonlyMap<string, readonly Version[]>;
  readonly snapshot: RefSnapshot;
}

const indexes = new WeakMap<RefSnapshot, VersionIndex>();

/** The version index of a snapshot, built once per snapshot. */
export function indexVersions(snapshot: RefSnapshot): VersionIndex {
  const known = indexes.get(snapshot);
  if (known) return known;
  const byVersion = new Map<string, Version>();
  const labels = new Map<string, RefEntry>();
  for (const ref of snapshot.tags.values()) {
    const v = versionOfTag(ref.name);
    if (v === null) {
      // a version semver cannot hold (a repo copied in: pushes refuse one) is neither a version nor a label
      if (!unreadableVersion(ref.name)) labels.set(ref.name, ref);
      continue;
    }
    if (!ref.commit) continue; // a version must point at a commit; the hook refuses anything else
    const prev = byVersion.get(v);
    if (prev && !(ref.name.startsWith('v') && !prev.tag.startsWith('v'))) continue;
    const state = snapshot.versionNotes.get(v);
    byVersion.set(v, { version: v, semver: parsedTag(v) ?? new SemVer(v), tag: ref.name, ref, ...(state ? parseVersionState(state.subject) : { deprecated: null, yanked: null }) });
  }
  const versions = [...byVersion.values()].sort((a, b) => b.semver.compare(a.semver));
  const byCommit = new Map<string, Version[]>();
  for (const v of versions) {
    const list = byCommit.get(v.ref.commit);
    if (list) list.push(v); else byCommit.set(v.ref.commit, [v]);
  }
  const index: VersionIndex = { versions, byVersion, labels, byCommit, snapshot };
  indexes.set(snapshot, index);
  return index;
}

/** The highest version without a prerelease part that is not yanked, or undefined. */
export function latestVersion(index: VersionIndex): Version | undefined {
  return index.versions.find((v) => v.semver.prerelease.length === 0 && !v.yanked);
}
