// Versions and labels: which tags are semver versions, their order, and what each commit carries.
import { SemVer } from 'semver';
import type { RefEntry, RefSnapshot } from '../git/refs';

// semver.org's grammar, with an optional leading "v"; nothing looser (no "=1.2.0", no "1.2").
const VERSION_TAG = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** The normalised version a tag name denotes (`v1.2.0` → `1.2.0`; build metadata dropped), or null for a label. */
export function versionOfTag(tag: string): string | null {
  if (!VERSION_TAG.test(tag)) return null;
  return new SemVer(tag).version;
}

export interface Version {
  /** Normalised: `1.2.0`, `2.0.0-rc.1`. */
  readonly version: string;
  readonly semver: SemVer;
  /** The tag that carries it (`v1.2.0` or `1.2.0`); when both exist on one commit, the `v` form. */
  readonly tag: string;
  readonly ref: RefEntry;
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
    if (v === null) { labels.set(ref.name, ref); continue; }
    if (!ref.commit) continue; // a version must point at a commit; the hook refuses anything else
    const prev = byVersion.get(v);
    if (prev && !(ref.name.startsWith('v') && !prev.tag.startsWith('v'))) continue;
    byVersion.set(v, { version: v, semver: new SemVer(v), tag: ref.name, ref });
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

/** The highest version without a prerelease part, or undefined. */
export function latestVersion(index: VersionIndex): Version | undefined {
  return index.versions.find((v) => v.semver.prerelease.length === 0);
}
