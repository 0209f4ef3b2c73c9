// What the push checks and the semver policy read about versions: tags naming a version, the version
// below another, and the YAML texts of a tree.
import { SemVer } from 'semver';
import { tagsMatching, type RefSnapshot } from '../git/refs';
import type { Bump } from '../diff/heat-summary';
import { isValidated, MAX_YAML_BYTES } from './tree-check';
import { versionOfTag, type Version, type VersionIndex } from './versions';

/** Existing tags that denote one of `versions`, from a current snapshot. */
export function tagsNamingIn(refs: RefSnapshot, versions: readonly string[]): { tag: string; version: string; commit: string }[] {
  const out: { tag: string; version: string; commit: string }[] = [];
  for (const t of refs.tags.values()) {
    const version = versionOfTag(t.name);
    if (version !== null && versions.includes(version)) out.push({ tag: t.name, version, commit: t.commit });
  }
  return out;
}

/** Existing tags that denote one of `versions`, found with for-each-ref patterns, not a full ref read. */
export async function tagsNaming(gitDir: string, versions: readonly string[]): Promise<{ tag: string; version: string; commit: string }[]> {
  const patterns = versions.flatMap((v) => [`refs/tags/${v}`, `refs/tags/v${v}`, `refs/tags/${v}+*`, `refs/tags/v${v}+*`]);
  const out: { tag: string; version: string; commit: string }[] = [];
  for (const { name, commit } of await tagsMatching(gitDir, patterns)) {
    const version = versionOfTag(name);
    if (version !== null && versions.includes(version)) out.push({ tag: name, version, commit });
  }
  return out;
}

export const RANK: Readonly<Record<Bump, number>> = { none: 0, patch: 1, minor: 2, major: 3 };

/** The highest version below `v`, prereleases counted only when `v` is one. */
export function previousVersion(index: VersionIndex, v: SemVer): Version | undefined {
  return index.versions.find((x) => x.semver.compare(v) < 0 && (v.prerelease.length > 0 || x.semver.prerelease.length === 0));
}

/** At most this many bytes of YAML are read from one version for a compatibility check. */
const MAX_COMPAT_BYTES = 16 * 1024 * 1024;

/** The texts of the YAML files among `files` (no links, none over MAX_YAML_BYTES, MAX_COMPAT_BYTES in all). */
export async function yamlTextsOf(files: readonly { path: string; mode: string; oid: string; size?: number }[], read: (oid: string) => Promise<Buffer | null>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let total = 0;
  for (const f of files) {
    if (!isValidated(f.path) || f.mode === '120000' || f.mode === '160000' || (f.size ?? 0) > MAX_YAML_BYTES) continue;
    const body = await read(f.oid);
    if (!body || body.length > MAX_YAML_BYTES || total + body.length > MAX_COMPAT_BYTES) continue;
    total += body.length;
    out.set(f.path, body.toString('utf8'));
  }
  return out;
}
