// What moving a stack from one Heat Orchestration Template to the next changes, and whether that breaks it.
//
// Each change has a stable id, a bump and whether it is breaking (exactly the major ones):
//
// | change                             | bump  | why                                                                  |
// |------------------------------------|-------|----------------------------------------------------------------------|
// | parameter-added (no default)       | major | updating an existing stack without passing it fails                 |
// | parameter-added (with a default)   | minor | a new input that callers may leave out                               |
// | parameter-removed                  | major | callers that still pass it fail: Heat rejects unknown parameters    |
// | parameter-type-changed             | major | values valid for the old type may not be for the new one            |
// | parameter-default-removed          | major | callers that relied on the default now have to pass a value         |
// | parameter-default-added            | minor | a required input became optional                                     |
// | parameter-default-changed          | patch | callers that pass a value see no difference                          |
// | parameter-constraints-changed      | major | stricter in any way, or in doubt (see below)                         |
// |                                    | minor | only looser                                                          |
// |                                    | patch | the same values pass; descriptions or order changed                  |
// | parameter-immutable-changed        | major | became immutable: updates that change the value now fail             |
// |                                    | minor | no longer immutable                                                  |
// | parameter-hidden-changed           | patch | only how the value is shown                                          |
// | parameter-label-changed            | patch | text only                                                            |
// | parameter-description-changed      | patch | text only                                                            |
// | parameter-changed                  | patch | any other key of the definition (tags, unknown keys, its shape)     |
// | resource-added                     | minor | Heat creates it on update                                            |
// | resource-removed                   | major | Heat deletes it on update (a renamed resource is removed and added)  |
// | resource-type-changed              | major | Heat replaces it: delete and create                                  |
// | resource-properties-changed        | patch | Heat updates it (whether in place is up to the resource plugin)      |
// | resource-dependencies-changed      | patch | only the order Heat works in; depends_on compared as a set          |
// | resource-changed                   | patch | metadata, policies, condition or any other key                       |
// | output-added                       | minor | consumers may read more                                              |
// | output-removed                     | major | consumers that read it lose it                                       |
// | output-value-changed               | patch | the same name with a different expression                            |
// | output-description-changed         | patch | text only                                                            |
// | output-changed                     | patch | condition or any other key                                           |
// | template-version-changed           | patch | inputs and outputs are compared on their own; the detail says what   |
// |                                    |       | the version means for the cloud (newer, older, or the same by name)  |
// | template-description-changed       | patch | text only                                                            |
// | template-section-changed           | patch | parameter_groups, conditions or any other top-level key             |
//
// Constraints are read as Heat checks them (every constraint must pass; descriptions ignored):
// `range` and `length` bounds merged into one min and max each, `allowed_values` intersected,
// and every `allowed_pattern`, `custom_constraint`, `modulo` or unreadable entry kept by value.
// Stricter: a min raised or added, a max lowered or added, an allowed value removed or
// `allowed_values` added, any new pattern, custom constraint, modulo or unreadable entry. Looser:
// the reverse. Kinds are not compared with each other and patterns are not analysed, so a
// changed pattern counts as a new one (stricter) and the old one removed (looser): in doubt,
// breaking.
import { HOT_VERSIONS } from '../registry/validate/hot-versions';
import { compareConstraints } from './constraints';
import { asMapping, flag, isHidden, isMapping, own, same, shown, type Mapping } from './values';

export type Bump = 'major' | 'minor' | 'patch' | 'none';

export interface HeatChange {
  section: 'parameters' | 'resources' | 'outputs' | 'template';
  /** The parameter, resource or output; for `template`, the top-level key (`heat_template_version`, `conditions`). */
  name: string;
  /** One of HEAT_CHANGE_IDS. */
  change: string;
  breaking: boolean;
  bump: Exclude<Bump, 'none'>;
  /** One sentence for a reviewer: "parameter flavor: type changed from string to number". */
  detail: string;
  /** The values compared; a hidden parameter's default is never included. */
  old?: unknown;
  new?: unknown;
}

export interface HeatSummary {
  /** The highest bump of `changes`; `none` when there are none. */
  bump: Bump;
  breaking: boolean;
  /** Template changes first, then parameters, resources and outputs; in each, `after`'s order, then removed ones. */
  changes: HeatChange[];
}

export const HEAT_CHANGE_IDS = [
  'parameter-added', 'parameter-removed', 'parameter-type-changed', 'parameter-default-changed',
  'parameter-default-removed', 'parameter-default-added', 'parameter-constraints-changed',
  'parameter-hidden-changed', 'parameter-immutable-changed', 'parameter-label-changed',
  'parameter-description-changed', 'parameter-changed',
  'resource-added', 'resource-removed', 'resource-type-changed', 'resource-properties-changed',
  'resource-dependencies-changed', 'resource-changed',
  'output-added', 'output-removed', 'output-value-changed', 'output-description-changed', 'output-changed',
  'template-version-changed', 'template-description-changed', 'template-section-changed',
] as const;

type ChangeId = typeof HEAT_CHANGE_IDS[number];

const BUMP_RANK: Readonly<Record<Bump, number>> = { none: 0, patch: 1, minor: 2, major: 3 };
const SECTIONS = new Set(['heat_template_version', 'description', 'parameters', 'resources', 'outputs']);

/**
 * The classified changes from `before` to `after`, two parsed documents (as from `yaml.parse`), or
 * null unless both are mappings with a `heat_template_version`. Throws nothing for parsed input.
 */
export function heatSummary(before: unknown, after: unknown): HeatSummary | null {
  if (!isMapping(before) || !isMapping(after) || versionOf(before) === null || versionOf(after) === null) return null;
  const changes = [
    ...templateChanges(before, after),
    ...parameterChanges(section(before, 'parameters'), section(after, 'parameters')),
    ...resourceChanges(section(before, 'resources'), section(after, 'resources')),
    ...outputChanges(section(before, 'outputs'), section(after, 'outputs')),
  ];
  const bump = changes.reduce<Bump>((top, c) => (BUMP_RANK[c.bump] > BUMP_RANK[top] ? c.bump : top), 'none');
  return { bump, breaking: changes.some((c) => c.breaking), changes };
}

function change(section: HeatChange['section'], name: string, id: ChangeId, bump: HeatChange['bump'], detail: string, values: { old?: unknown; new?: unknown } = {}): HeatChange {
  return { section, name, change: id, breaking: bump === 'major', bump, detail, ...values };
}

function templateChanges(a: Mapping, b: Mapping): HeatChange[] {
  const out: HeatChange[] = [];
  const from = versionOf(a) ?? '', to = versionOf(b) ?? '';
  if (from !== to) {
    out.push(change('template', 'heat_template_version', 'template-version-changed', 'patch', versionDetail(from, to), { old: from, new: to }));
  }
  if (!same(own(a, 'description'), own(b, 'description'))) {
    out.push(change('template', 'description', 'template-description-changed', 'patch', 'template description changed', { old: own(a, 'description'), new: own(b, 'description') }));
  }
  for (const name of names(a, b)) {
    if (SECTIONS.has(name) || same(own(a, name), own(b, name))) continue;
    const how = !Object.hasOwn(a, name) ? 'added' : !Object.hasOwn(b, name) ? 'removed' : 'changed';
    out.push(change('template', name, 'template-section-changed', 'patch', `template section ${name} ${how}`, { old: own(a, name), new: own(b, name) }));
  }
  return out;
}

// A patch whatever the versions: the parameters, resources and outputs are compared on their own.
function versionDetail(from: string, to: string): string {
  const dateFrom = HOT_VERSIONS.get(from), dateTo = HOT_VERSIONS.get(to);
  const head = `heat_template_version changed from ${from} to ${to}`;
  const why = 'a patch by itself, since the parameters, resources and outputs are compared separately';
  if (dateFrom === undefined || dateTo === undefined) return `${head}, ${why}; Heat must know ${to}`;
  if (dateFrom === dateTo) return `${head}, the same version (${dateTo}) by another name, so Heat reads the template the same way`;
  if (dateTo > dateFrom) return `${head}, a newer version: ${why}, but the cloud's Heat must know ${to}`;
  return `${head}, an older version: ${why}, but functions added after ${to} are no longer available`;
}

// ---- parameters

const PARAMETER_KEYS = new Set(['type', 'default', 'hidden', 'immutable', 'label', 'description', 'constraints']);

function parameterChanges(a: Mapping, b: Mapping): HeatChange[] {
  const out: HeatChange[] = [];
  for (const name of names(a, b)) {
    if (!Object.hasOwn(a, name)) {
      const def = own(b, name);
      const value = { new: redacted(def) };
      out.push(defaultOf(def) === undefined
        ? change('parameters', name, 'parameter-added', 'major', `parameter ${name} added without a default, so updating a stack without passing it fails`, value)
        : change('parameters', name, 'parameter-added', 'minor', `parameter ${name} added with a default`, value));
    } else if (!Object.hasOwn(b, name)) {
      out.push(change('parameters', name, 'parameter-removed', 'major', `parameter ${name} removed, so callers that still pass it fail`, { old: redacted(own(a, name)) }));
    } else {
      out.push(...parameterChanged(name, own(a, name), own(b, name)));
    }
  }
  return out;
}

function parameterChanged(name: string, rawA: unknown, rawB: unknown): HeatChange[] {
  if (same(rawA, rawB)) return [];
  const a = asMapping(rawA), b = asMapping(rawB);
  const out: HeatChange[] = [];
  const push = (id: ChangeId, bump: HeatChange['bump'], what: string, values: { old?: unknown; new?: unknown } = {}) =>
    out.push(change('parameters', name, id, bump, `parameter ${name}: ${what}`, values));

  const typeA = typeOf(a), typeB = typeOf(b);
  if (typeA !== typeB) push('parameter-type-changed', 'major', `type changed from ${typeA} to ${typeB}`, { old: typeA, new: typeB });

  const hidden = isHidden(own(a, 'hidden')) || isHidden(own(b, 'hidden'));
  const defaultA = defaultOf(a), defaultB = defaultOf(b);
  const values = hidden ? {} : { old: defaultA, new: defaultB };
  if (defaultA !== undefined && defaultB === undefined) push('parameter-default-removed', 'major', 'default removed, so callers that relied on it must now pass a value', values);
  else if (defaultA === undefined && defaultB !== undefined) push('parameter-default-added', 'minor', hidden ? 'default added (hidden, not shown)' : `default ${shown(defaultB)} added`, values);
  else if (!same(defaultA, defaultB)) push('parameter-default-changed', 'patch', hidden ? 'default changed (hidden, values not shown)' : `default changed from ${shown(defaultA)} to ${shown(defaultB)}`, values);

  const constraints = compareConstraints(own(a, 'constraints'), own(b, 'constraints'));
  if (constraints) push('parameter-constraints-changed', constraints.bump, constraints.what, { old: own(a, 'constraints'), new: own(b, 'constraints') });

  const immutableA = flag(own(a, 'immutable')) === true, immutableB = flag(own(b, 'immutable')) === true;
  if (immutableA !== immutableB) {
    push('parameter-immutable-changed', immutableB ? 'major' : 'minor',
      immutableB ? 'now immutable, so stack updates that change its value fail' : 'no longer immutable', { old: immutableA, new: immutableB });
  }
  if (isHidden(own(a, 'hidden')) !== isHidden(own(b, 'hidden'))) {
    push('parameter-hidden-changed', 'patch', isHidden(own(b, 'hidden')) ? 'now hidden' : 'no longer hidden', { old: isHidden(own(a, 'hidden')), new: isHidden(own(b, 'hidden')) });
  }
  for (const [key, id] of [['label', 'parameter-label-changed'], ['description', 'parameter-description-changed']] as const) {
    if (!same(own(a, key), own(b, key))) push(id, 'patch', `${key} changed`, { old: own(a, key), new: own(b, key) });
  }
  const other = otherKeys(rawA, rawB, PARAMETER_KEYS);
  if (other.length > 0) push('parameter-changed', 'patch', `${other.join(', ')} changed`);
  return out;
}

// A parameter whose default is null has none: Heat asks for a value (as extractInterface reads it).
function defaultOf(def: unknown): unknown {
  const d = isMapping(def) ? own(def, 'default') : undefined;
  return d === null ? undefined : d;
}

function typeOf(def: Mapping): string {
  const t = own(def, 'type');
  return typeof t === 'string' ? t : 'string';
}

/** A parameter's definition without its default when it is hidden, whose default may be a secret. */
function redacted(def: unknown): unknown {
  if (!isMapping(def) || !isHidden(own(def, 'hidden')) || !Object.hasOwn(def, 'default')) return def;
  const { default: _secret, ...rest } = def;
  return rest;
}

// ---- constraints

// ---- resources

const RESOURCE_KEYS = new Set(['type', 'properties', 'depends_on']);

function resourceChanges(a: Mapping, b: Mapping): HeatChange[] {
  const out: HeatChange[] = [];
  for (const name of names(a, b)) {
    const defA = own(a, name), defB = own(b, name);
    if (!Object.hasOwn(a, name)) {
      out.push(change('resources', name, 'resource-added', 'minor', `resource ${name}${typeNote(defB)} added`, { new: defB }));
    } else if (!Object.hasOwn(b, name)) {
      out.push(change('resources', name, 'resource-removed', 'major', `resource ${name}${typeNote(defA)} removed, so Heat deletes it on update`, { old: defA }));
    } else if (!same(defA, defB)) {
      out.push(...resourceChanged(name, defA, defB));
    }
  }
  return out;
}

function resourceChanged(name: string, rawA: unknown, rawB: unknown): HeatChange[] {
  const a = asMapping(rawA), b = asMapping(rawB);
  const out: HeatChange[] = [];
  const typeA = own(a, 'type'), typeB = own(b, 'type');
  if (!same(typeA, typeB)) {
    out.push(change('resources', name, 'resource-type-changed', 'major', `resource ${name}: type changed from ${shown(typeA)} to ${shown(typeB)}, so Heat replaces it on update (deletes the old resource and creates a new one)`, { old: typeA, new: typeB }));
  }
  const propsA = own(a, 'properties') ?? {}, propsB = own(b, 'properties') ?? {};
  if (!same(propsA, propsB)) {
    const keys = isMapping(propsA) && isMapping(propsB) ? changedKeys(propsA, propsB) : [];
    const what = keys.length > 0 ? `properties ${keys.join(', ')} changed` : 'properties changed';
    out.push(change('resources', name, 'resource-properties-changed', 'patch', `resource ${name}: ${what}`, { old: propsA, new: propsB }));
  }
  const depsA = dependencies(own(a, 'depends_on')), depsB = dependencies(own(b, 'depends_on'));
  const gained = depsB.filter((d) => !depsA.includes(d)), lost = depsA.filter((d) => !depsB.includes(d));
  if (gained.length > 0 || lost.length > 0) {
    const parts = [...(gained.length > 0 ? [`now depends on ${gained.join(', ')}`] : []), ...(lost.length > 0 ? [`no longer on ${lost.join(', ')}`] : [])];
    out.push(change('resources', name, 'resource-dependencies-changed', 'patch', `resource ${name}: ${parts.join('; ')}`, { old: depsA, new: depsB }));
  }
  const other = otherKeys(rawA, rawB, RESOURCE_KEYS);
  if (other.length > 0) out.push(change('resources', name, 'resource-changed', 'patch', `resource ${name}: ${other.join(', ')} changed`));
  return out;
}

function typeNote(def: unknown): string {
  const type = isMapping(def) ? own(def, 'type') : undefined;
  return typeof type === 'string' ? ` (${type})` : '';
}

/** depends_on as Heat reads it: one name or a list of them; order does not matter, so sorted. */
function dependencies(v: unknown): string[] {
  const items = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return [...new Set(items.map((x) => (typeof x === 'string' ? x : shown(x))))].sort();
}

// ---- outputs

function outputChanges(a: Mapping, b: Mapping): HeatChange[] {
  const out: HeatChange[] = [];
  for (const name of names(a, b)) {
    const defA = own(a, name), defB = own(b, name);
    if (!Object.hasOwn(a, name)) { out.push(change('outputs', name, 'output-added', 'minor', `output ${name} added`, { new: defB })); continue; }
    if (!Object.hasOwn(b, name)) { out.push(change('outputs', name, 'output-removed', 'major', `output ${name} removed, so consumers that read it lose it`, { old: defA })); continue; }
    if (same(defA, defB)) continue;
    const da = asMapping(defA), db = asMapping(defB);
    if (!same(own(da, 'value'), own(db, 'value'))) {
      out.push(change('outputs', name, 'output-value-changed', 'patch', `output ${name}: value changed`, { old: own(da, 'value'), new: own(db, 'value') }));
    }
    if (!same(own(da, 'description'), own(db, 'description'))) {
      out.push(change('outputs', name, 'output-description-changed', 'patch', `output ${name}: description changed`, { old: own(da, 'description'), new: own(db, 'description') }));
    }
    const other = otherKeys(defA, defB, new Set(['value', 'description']));
    if (other.length > 0) out.push(change('outputs', name, 'output-changed', 'patch', `output ${name}: ${other.join(', ')} changed`));
  }
  return out;
}

// ---- reading

// YAML 1.1 parsers read an unquoted 2021-04-16 as a date; Heat's loader turns it back into text.
function versionOf(doc: Mapping): string | null {
  const v = own(doc, 'heat_template_version');
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v instanceof Date && !Number.isNaN(v.getTime())) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return null;
}

function section(doc: Mapping, name: string): Mapping {
  const s = own(doc, name);
  return isMapping(s) ? s : {};
}

/** The names of `b` in order, then those only `a` has. */
function names(a: Mapping, b: Mapping): string[] {
  return [...Object.keys(b), ...Object.keys(a).filter((k) => !Object.hasOwn(b, k))];
}

/** The keys of two mappings, outside `known`, whose values differ; `definition` when either is not a mapping and they differ. */
function otherKeys(a: unknown, b: unknown, known: ReadonlySet<string>): string[] {
  if (!isMapping(a) || !isMapping(b)) return same(a, b) ? [] : ['definition'];
  return changedKeys(a, b).filter((k) => !known.has(k));
}

function changedKeys(a: Mapping, b: Mapping): string[] {
  return names(a, b).filter((k) => Object.hasOwn(a, k) !== Object.hasOwn(b, k) || !same(own(a, k), own(b, k)));
}

