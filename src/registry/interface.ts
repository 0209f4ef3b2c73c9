// A template's interface: the parameters, groups, resource counts and outputs of a parsed Heat Orchestration Template.

/** A HOT parameter constraint; each carries its own `description` when the template gives one. */
export type ParameterConstraint =
  | { readonly kind: 'length'; readonly min?: number; readonly max?: number; readonly description?: string }
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number; readonly description?: string }
  | { readonly kind: 'modulo'; readonly step: number; readonly offset: number; readonly description?: string }
  | { readonly kind: 'allowed_values'; readonly values: unknown[]; readonly description?: string }
  | { readonly kind: 'allowed_pattern'; readonly pattern: string; readonly description?: string }
  | { readonly kind: 'custom_constraint'; readonly name: string; readonly description?: string };

export interface TemplateParameter {
  readonly name: string;
  /** As declared (`string`, `number`, `comma_delimited_list`, `json`, `boolean`); `string` when missing or not a string. */
  readonly type: string;
  /** Absent for hidden parameters, whose defaults may be secrets, and when the template gives none (or null). */
  readonly default?: unknown;
  readonly description?: string;
  readonly label?: string;
  readonly hidden: boolean;
  readonly immutable: boolean;
  readonly constraints: ParameterConstraint[];
}

/**
 * A section of the launch form. The template's `parameter_groups` come first, in order, with
 * `implicit: false`; they list only declared parameters, each in its first group. When some
 * parameters are in no group, one last group `{ implicit: true, parameters }` holds them in
 * declaration order, with no label or description. So a form can draw every parameter by
 * walking the groups, and a template without groups has exactly one, implicit, group.
 */
export interface ParameterGroup {
  readonly label?: string;
  readonly description?: string;
  readonly parameters: string[];
  readonly implicit: boolean;
}

export interface TemplateOutput {
  readonly name: string;
  readonly description?: string;
}

/** What a dashboard needs to draw a launch form and a capacity planner needs to count, without parsing YAML. */
export interface TemplateInterface {
  /** `heat_template_version` as text: a date (`2021-04-16`) or a release name (`wallaby`). */
  readonly heatTemplateVersion: string;
  readonly description: string | null;
  readonly parameters: TemplateParameter[];
  readonly parameterGroups: ParameterGroup[];
  /**
   * `total` counts every entry of `resources`; `byType` counts those with a string `type`, keys
   * sorted, so a resource without one is in `total` only.
   */
  readonly resources: { readonly total: number; readonly byType: Record<string, number> };
  /**
   * Resource types that are files of the template (Heat treats a type ending in `.yaml` or
   * `.template` as a nested template), as written, so relative to the template's own file;
   * sorted, without repeats. URLs and absolute paths are left out. Includes the member types of
   * OS::Heat::ResourceGroup (`resource_def`) and OS::Heat::AutoScalingGroup (`resource`).
   */
  readonly nestedTemplates: string[];
  /** Names and descriptions only: output values are expressions, and may reveal secrets. */
  readonly outputs: TemplateOutput[];
}

type Mapping = Record<string, unknown>;

/**
 * The interface of a parsed HOT document (plain objects, arrays and scalars, as from yaml's
 * toJS or JSON.parse), or null when `doc` is not a mapping with a `heat_template_version`.
 * Malformed sections yield what can be read from them; throws nothing, whatever `doc` holds.
 */
export function extractInterface(doc: unknown): TemplateInterface | null {
  try {
    return extract(doc);
  } catch {
    return null; // a getter or proxy in a hand-built object; parsed documents never get here
  }
}

function extract(doc: unknown): TemplateInterface | null {
  if (!isMapping(doc)) return null;
  const version = versionText(own(doc, 'heat_template_version'));
  if (version === null) return null;
  const parameters = readParameters(own(doc, 'parameters'));
  const resources = readResources(own(doc, 'resources'));
  return {
    heatTemplateVersion: version,
    description: text(own(doc, 'description')) ?? null,
    parameters,
    parameterGroups: readGroups(own(doc, 'parameter_groups'), parameters.map((p) => p.name)),
    resources: { total: resources.total, byType: resources.byType },
    nestedTemplates: resources.nested,
    outputs: entries(own(doc, 'outputs')).map(([name, o]) => withText({ name }, o, ['description'])),
  };
}

// YAML 1.1 parsers (PyYAML, js-yaml) read an unquoted 2021-04-16 as a date.
function versionText(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  return null;
}

function readParameters(section: unknown): TemplateParameter[] {
  return entries(section).map(([name, def]) => {
    const d = isMapping(def) ? def : {};
    const hidden = isHidden(own(d, 'hidden'));
    const base = {
      name,
      type: text(own(d, 'type')) ?? 'string',
      hidden,
      immutable: flag(own(d, 'immutable')) === true,
      constraints: readConstraints(own(d, 'constraints')),
    };
    const dflt = own(d, 'default');
    const withDefault = hidden || dflt === undefined || dflt === null ? base : { ...base, default: jsonValue(dflt) };
    return withText(withDefault, d, ['label', 'description']);
  });
}

// Heat reads booleans with oslo's bool_from_string: these words, any case.
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0']);

function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v === 'string') return TRUE_WORDS.has(v.trim().toLowerCase()) ? true : FALSE_WORDS.has(v.trim().toLowerCase()) ? false : undefined;
  return undefined;
}

// A default may be a password: anything but an absent or plainly false `hidden` hides it.
function isHidden(v: unknown): boolean {
  return v !== undefined && v !== null && flag(v) !== false;
}

const CONSTRAINT_KINDS = ['length', 'range', 'modulo', 'allowed_values', 'allowed_pattern', 'custom_constraint'] as const;

/** Every recognised constraint key of every entry, in order; an unusable one is skipped. */
function readConstraints(section: unknown): ParameterConstraint[] {
  if (!Array.isArray(section)) return [];
  const out: ParameterConstraint[] = [];
  for (const c of section) {
    if (!isMapping(c)) continue;
    const description = text(own(c, 'description'));
    for (const kind of CONSTRAINT_KINDS) {
      const spec = own(c, kind);
      if (spec === undefined) continue;
      const constraint = readConstraint(kind, spec);
      if (constraint) out.push(description === undefined ? constraint : { ...constraint, description });
    }
  }
  return out;
}

function readConstraint(kind: typeof CONSTRAINT_KINDS[number], spec: unknown): ParameterConstraint | null {
  switch (kind) {
    case 'length':
    case 'range': {
      const m = isMapping(spec) ? spec : {};
      const min = num(own(m, 'min')), max = num(own(m, 'max'));
      if (min === undefined && max === undefined) return null;
      return { kind, ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
    }
    case 'modulo': {
      const m = isMapping(spec) ? spec : {};
      const step = num(own(m, 'step')), offset = num(own(m, 'offset'));
      return step === undefined || offset === undefined ? null : { kind, step, offset };
    }
    case 'allowed_values':
      return Array.isArray(spec) ? { kind, values: jsonValue(spec) as unknown[] } : null;
    case 'allowed_pattern':
      return typeof spec === 'string' ? { kind, pattern: spec } : null;
    case 'custom_constraint':
      return typeof spec === 'string' ? { kind, name: spec } : null;
  }
}

function readGroups(section: unknown, declared: readonly string[]): ParameterGroup[] {
  const placed = new Set<string>();
  const known = new Set(declared);
  const groups: ParameterGroup[] = [];
  for (const g of Array.isArray(section) ? section : []) {
    if (!isMapping(g)) continue;
    const names = own(g, 'parameters');
    const parameters: string[] = [];
    for (const n of Array.isArray(names) ? names : []) {
      if (typeof n === 'string' && known.has(n) && !placed.has(n)) { placed.add(n); parameters.push(n); }
    }
    groups.push(withText({ parameters, implicit: false }, g, ['label', 'description']));
  }
  const rest = declared.filter((n) => !placed.has(n));
  if (rest.length > 0) groups.push({ parameters: rest, implicit: true });
  return groups;
}

// Members of these group types are declared in a property, not as a resource of their own.
const MEMBER_PROPERTY: Readonly<Record<string, string>> = { 'OS::Heat::ResourceGroup': 'resource_def', 'OS::Heat::AutoScalingGroup': 'resource' };

function readResources(section: unknown): { total: number; byType: Record<string, number>; nested: string[] } {
  const counts = new Map<string, number>();
  const nested = new Set<string>();
  const all = entries(section);
  for (const [, r] of all) {
    const type = isMapping(r) ? text(own(r, 'type')) : undefined;
    if (type === undefined) continue;
    counts.set(type, (counts.get(type) ?? 0) + 1);
    if (isTemplateFile(type)) nested.add(type);
    const member = Object.hasOwn(MEMBER_PROPERTY, type) && isMapping(r) ? memberType(own(r, 'properties'), MEMBER_PROPERTY[type] ?? '') : undefined;
    if (member !== undefined && isTemplateFile(member)) nested.add(member);
  }
  const types = [...counts.keys()].sort(byCodeUnit);
  return {
    total: all.length,
    byType: Object.fromEntries(types.map((t) => [t, counts.get(t) ?? 0])),
    nested: [...nested].sort(byCodeUnit),
  };
}

function memberType(properties: unknown, key: string): string | undefined {
  const def = isMapping(properties) ? own(properties, key) : undefined;
  return isMapping(def) ? text(own(def, 'type')) : undefined;
}

// Heat's ResourceRegistry treats these endings as template resources (heat/engine/environment.py).
function isTemplateFile(type: string): boolean {
  return /\.(?:yaml|template)$/.test(type) && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(type) && !type.startsWith('/');
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Adds each of `keys` that `from` holds as a string. */
function withText<T extends object>(target: T, from: unknown, keys: readonly string[]): T {
  if (!isMapping(from)) return target;
  const extra: Mapping = {};
  for (const k of keys) {
    const v = text(own(from, k));
    if (v !== undefined) extra[k] = v;
  }
  return { ...target, ...extra };
}

/** The own entries of a mapping, in order; [] for anything else. */
function entries(v: unknown): [string, unknown][] {
  return isMapping(v) ? Object.entries(v) : [];
}

function own(m: Mapping, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/**
 * A copy of a template value that JSON.stringify can always write: no cycles (YAML aliases can
 * make them), nothing deeper than 32 levels, dates as ISO text, non-JSON values as null.
 */
function jsonValue(v: unknown, depth = 0, seen = new Set<object>()): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v !== 'object' || depth >= 32 || seen.has(v)) return null;
  seen.add(v);
  const copy = Array.isArray(v)
    ? v.map((x) => jsonValue(x, depth + 1, seen))
    : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x, depth + 1, seen)]));
  seen.delete(v);
  return copy;
}
