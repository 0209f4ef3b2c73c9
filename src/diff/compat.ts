// Semver compatibility: which bump the changes between two versions need, and whether a number respects it.
import { loadHeatYaml, type HeatYamlLoad } from '../heat/yaml';
import type { SemVer } from 'semver';
import { heatSummary, type Bump, type HeatChange } from './heat-summary';

/** A Heat change, with the template file it is in. */
export interface FileHeatChange extends HeatChange {
  readonly file: string;
}

export interface Compat {
  /** The smallest bump the changes need: `major` when anything breaks. */
  readonly required: Bump;
  readonly breaking: boolean;
  readonly changes: readonly FileHeatChange[];
}

const RANK: Readonly<Record<Bump, number>> = { none: 0, patch: 1, minor: 2, major: 3 };
const YAML = /\.ya?ml$/i;

/** A parser of HOT texts that reads each distinct text once (a moved template is read by the pairing and by the comparison). */
/** Parses texts as Heat templates (null when one is not), each distinct text once: share one across comparisons of the same history. */
export type HotParser = (text: string | undefined) => unknown;

export function hotParser(load: (text: string) => HeatYamlLoad = loadHeatYaml): HotParser {
  const known = new Map<string, unknown>();
  return (text) => {
    if (text === undefined) return null;
    if (!known.has(text)) known.set(text, parseHot(text, load));
    return known.get(text);
  };
}

function parseHot(text: string | undefined, load: (text: string) => HeatYamlLoad = loadHeatYaml): unknown {
  if (text === undefined) return null;
  const r = load(text);
  const doc = r.ok ? r.value : null;
  return typeof doc === 'object' && doc !== null && 'heat_template_version' in doc ? doc : null;
}

/**
 * The Heat changes from `before` to `after` (the YAML texts of two versions, by path), per template
 * file, and the bump they need. A Heat template that disappears is breaking (stacks built from it
 * cannot be updated with it); one that appears is a minor change. A template that moved (git's
 * rename detection pairs the paths, or heater.yaml's entrypoint moved with it) is compared with
 * its old self across the move, and the move is reported. Non-Heat files do not count.
 */
export function compatibility(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, hot: HotParser = hotParser()): Compat {
  const changes: FileHeatChange[] = [];
  const moves = templateMoves(before, after, hot);
  const movedFrom = new Set(moves.values());
  const paths = [...new Set([...before.keys(), ...after.keys()])].filter((p) => YAML.test(p) && !movedFrom.has(p)).sort();
  for (const file of paths) {
    const old = moves.get(file) ?? file;
    if (before.get(old) === after.get(file)) {
      if (old !== file) changes.push(moveChange(old, file));
      continue;
    }
    const a = hot(before.get(old));
    const b = hot(after.get(file));
    if (a !== null && b === null && !after.has(file)) {
      changes.push({ file, section: 'template', name: file, change: 'template-removed', breaking: true, bump: 'major', detail: `${file}: the Heat template was removed` });
    } else if (a !== null && b === null) {
      changes.push({ file, section: 'template', name: file, change: 'template-no-longer-heat', breaking: true, bump: 'major', detail: `${file}: no longer a Heat template (it does not parse, or has no heat_template_version)` });
    } else if (a === null && b !== null && !before.has(old)) {
      changes.push({ file, section: 'template', name: file, change: 'template-added', breaking: false, bump: 'minor', detail: `${file}: a Heat template was added` });
    } else {
      if (old !== file) changes.push(moveChange(old, file));
      for (const c of heatSummary(a, b)?.changes ?? []) changes.push(jsonSafe({ ...c, file }));
    }
  }
  const required = changes.reduce<Bump>((m, c) => (RANK[c.bump] > RANK[m] ? c.bump : m), 'none');
  return { required, breaking: changes.some((c) => c.breaking), changes };
}

function moveChange(from: string, to: string): FileHeatChange {
  return { file: to, section: 'template', name: to, change: 'template-moved', breaking: false, bump: 'minor', old: from, new: to,
    detail: `${to}: the Heat template moved here from ${from}; its interface is compared with the old file (clients that fetch it by path must follow)` };
}

/** git's default rename threshold (diff.renames, -M50%): at least half of the larger file unchanged. */
const RENAME_SIMILARITY = 0.5;

/**
 * Templates that moved: new path → old path. heater.yaml's entrypoint moving from a removed file
 * to an added one pairs them; the other removed and added templates are paired as git's rename
 * detection pairs them (the share of the larger file's bytes in lines both keep, best pair first).
 */
export function templateMoves(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, hot: (text: string | undefined) => unknown = parseHot): Map<string, string> {
  const removed = [...before.keys()].filter((p) => YAML.test(p) && !after.has(p) && hot(before.get(p)) !== null);
  const added = [...after.keys()].filter((p) => YAML.test(p) && !before.has(p) && hot(after.get(p)) !== null);
  const moves = new Map<string, string>();
  if (removed.length === 0 || added.length === 0) return moves;
  const entryA = entrypointOf(before.get('heater.yaml'));
  const entryB = entrypointOf(after.get('heater.yaml'));
  if (entryA && entryB && removed.includes(entryA) && added.includes(entryB)) moves.set(entryB, entryA);
  const pairs: { from: string; to: string; score: number }[] = [];
  for (const from of removed) {
    for (const to of added) pairs.push({ from, to, score: similarity(before.get(from) ?? '', after.get(to) ?? '') });
  }
  pairs.sort((x, y) => y.score - x.score || (x.to < y.to ? -1 : 1));
  const used = new Set(moves.values());
  for (const p of pairs) {
    if (p.score < RENAME_SIMILARITY || moves.has(p.to) || used.has(p.from)) continue;
    moves.set(p.to, p.from);
    used.add(p.from);
  }
  return moves;
}

function entrypointOf(manifest: string | undefined): string | null {
  if (manifest === undefined) return null;
  const r = loadHeatYaml(manifest);
  const v = r.ok && typeof r.value === 'object' && r.value !== null ? (r.value as Record<string, unknown>).entrypoint : undefined;
  return typeof v === 'string' ? v : 'template.yaml';
}

/** Bytes in lines both texts hold (as a multiset), over the larger text's size. */
function similarity(a: string, b: string): number {
  const counts = new Map<string, number>();
  for (const line of a.split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1);
  let common = 0;
  for (const line of b.split('\n')) {
    const n = counts.get(line) ?? 0;
    if (n > 0) { counts.set(line, n - 1); common += line.length + 1; }
  }
  return common / Math.max(a.length, b.length, 1);
}

/** A change whose old/new values cannot be JSON (a recursive YAML alias) keeps its detail, without them. */
function jsonSafe(c: FileHeatChange): FileHeatChange {
  try { JSON.stringify(c); return c; } catch {
    const { old: _old, new: _new, ...rest } = c;
    return rest;
  }
}

/**
 * The bump from one version number to the next, as npm's and Cargo's caret read it: below 1.0.0 a
 * minor step is the breaking one (and below 0.1.0 every step is); a step to a prerelease promises
 * nothing, so it counts as major.
 */
export function versionBump(from: SemVer, to: SemVer): Bump {
  if (to.compare(from) <= 0) return 'none';
  if (to.prerelease.length > 0) return 'major';
  if (to.major !== from.major) return 'major';
  if (to.major === 0 && to.minor === 0) return 'major';
  if (to.major === 0) return to.minor !== from.minor ? 'major' : 'minor';
  if (to.minor !== from.minor) return 'minor';
  return 'patch';
}

/** True when a version step of `actual` is allowed for changes needing `required`. */
export function bumpSuffices(actual: Bump, required: Bump): boolean {
  return RANK[actual] >= RANK[required];
}
