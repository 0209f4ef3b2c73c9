// Semver compatibility: which bump the changes between two versions need, and whether a number respects it.
import { loadHeatYaml } from '../heat/yaml';
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

function parseHot(text: string | undefined): unknown {
  if (text === undefined) return null;
  const r = loadHeatYaml(text);
  const doc = r.ok ? r.value : null;
  return typeof doc === 'object' && doc !== null && 'heat_template_version' in doc ? doc : null;
}

/**
 * The Heat changes from `before` to `after` (the YAML texts of two versions, by path), per template
 * file, and the bump they need. A Heat template that disappears is breaking (stacks built from it
 * cannot be updated with it); one that appears is a minor change. Non-Heat files do not count.
 */
export function compatibility(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Compat {
  const changes: FileHeatChange[] = [];
  const paths = [...new Set([...before.keys(), ...after.keys()])].filter((p) => YAML.test(p)).sort();
  for (const file of paths) {
    if (before.get(file) === after.get(file)) continue;
    const a = parseHot(before.get(file));
    const b = parseHot(after.get(file));
    if (a !== null && b === null && !after.has(file)) {
      changes.push({ file, section: 'template', name: file, change: 'template-removed', breaking: true, bump: 'major', detail: `${file}: the Heat template was removed` });
    } else if (a !== null && b === null) {
      changes.push({ file, section: 'template', name: file, change: 'template-no-longer-heat', breaking: true, bump: 'major', detail: `${file}: no longer a Heat template (it does not parse, or has no heat_template_version)` });
    } else if (a === null && b !== null && !before.has(file)) {
      changes.push({ file, section: 'template', name: file, change: 'template-added', breaking: false, bump: 'minor', detail: `${file}: a Heat template was added` });
    } else {
      for (const c of heatSummary(a, b)?.changes ?? []) changes.push(jsonSafe({ ...c, file }));
    }
  }
  const required = changes.reduce<Bump>((m, c) => (RANK[c.bump] > RANK[m] ? c.bump : m), 'none');
  return { required, breaking: changes.some((c) => c.breaking), changes };
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
