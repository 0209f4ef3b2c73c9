// Checking one Heat Orchestration Template: its sections, parameters, resources and outputs, and every reference between them.
import { isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';
import type { ValidationProblem } from './problem';
import { HOT_VERSIONS, hotVersionText } from './hot-versions';
import { deref, isMergeKey, problemAt, stringOf, type YamlFile } from './yaml-files';

const SECTIONS = new Set(['heat_template_version', 'description', 'parameter_groups', 'parameters', 'resources', 'outputs', 'conditions']);
const PARAMETER_TYPES = new Set(['string', 'number', 'json', 'comma_delimited_list', 'boolean']);
const PARAMETER_KEYS = new Set(['type', 'label', 'description', 'default', 'hidden', 'constraints', 'immutable', 'tags']);
const RESOURCE_KEYS = new Set(['type', 'properties', 'metadata', 'depends_on', 'update_policy', 'deletion_policy', 'external_id', 'condition']);
const OUTPUT_KEYS = new Set(['value', 'description', 'condition']);
const GROUP_KEYS = new Set(['label', 'description', 'parameters']);
const PSEUDO_PARAMETERS = new Set(['OS::stack_name', 'OS::stack_id', 'OS::project_id']);
const DELETION_POLICIES = new Set(['delete', 'retain', 'snapshot']);
// oslo strutils.bool_from_string(strict=True), which Heat's boolean parameters use.
const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 't', 'f', 'y', 'n', '1', '0']);
const NUMBER_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i;
// The parameter types each constraint applies to: `valid_types` in heat/engine/constraints.py,
// with string→STRING, number→NUMBER, comma_delimited_list→LIST, json→MAP, boolean→BOOLEAN.
const CONSTRAINT_TYPES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['length', new Set(['string', 'comma_delimited_list', 'json'])],
  ['range', new Set(['number'])],
  ['modulo', new Set(['number'])],
  ['allowed_values', new Set(['string', 'number', 'boolean', 'comma_delimited_list'])],
  ['allowed_pattern', new Set(['string'])],
  ['custom_constraint', new Set(['string', 'number', 'boolean', 'comma_delimited_list'])],
]);
// python-heatclient fetches a `type` ending like this as a nested template (template_utils.py); `.yml` added for YAML's other suffix.
const NESTED_TYPE = /\.(?:ya?ml|template)$/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const VERSION_LIST = [...HOT_VERSIONS.keys()].join(', ');

type Rule = 'hot-version' | 'hot-section' | 'hot-parameter-type' | 'hot-constraint' | 'hot-parameter-group' | 'hot-resource'
  | 'hot-get-param' | 'hot-get-resource' | 'hot-get-attr' | 'hot-depends-on' | 'hot-get-file' | 'hot-nested-template' | 'hot-output';

/** True when `root` is a HOT: a mapping with a `heat_template_version` key. */
export function isHotRoot(root: unknown): root is YAMLMap {
  return isMap(root) && root.items.some((p) => stringOf(p.key) === 'heat_template_version');
}

/**
 * Returns every problem of one HOT document of `f` (one pass over its nodes). `paths` is every
 * file of the version, for get_file and nested templates, which resolve against the template's
 * directory. Throws nothing.
 */
export function checkHot(f: YamlFile, doc: Document.Parsed, root: YAMLMap, paths: ReadonlySet<string>): ValidationProblem[] {
  return new HotCheck(f, doc, paths).run(root);
}

/** A mapping's entries with their names (a non-string key by its text), merge keys left out. */
function entries(map: YAMLMap | null): { name: string; key: unknown; value: unknown }[] {
  const out: { name: string; key: unknown; value: unknown }[] = [];
  for (const pair of map?.items ?? []) {
    if (isMergeKey(pair.key)) continue;
    out.push({ name: stringOf(pair.key) ?? String(isScalar(pair.key) ? pair.key.value : ''), key: pair.key, value: pair.value });
  }
  return out;
}

function isNull(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/** Python's `re` syntax made acceptable to JavaScript where they differ but mean the same; returns the error or null. */
function regexError(pattern: string): string | null {
  let flags = '';
  let source = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    flags = [...new Set(inline[1]!.replace(/[^ims]/g, ''))].join('');
  }
  // JavaScript has no (?P<name>), (?P=name) or (?#comment); \A and \Z compile there as plain letters.
  source = source.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\(\?#[^)]*\)/g, '');
  try { new RegExp(source, flags); return null; } catch (e) { return (e as Error).message; }
}

/** Resolves `ref` against `dir` inside the version; a string describing why not when it is a URL, absolute or escapes the root. */
function resolveInTree(dir: string, ref: string): { path: string } | { why: string } {
  if (ref === '') return { why: 'is empty' };
  if (URL_SCHEME.test(ref)) return { why: 'is a URL; a version must carry its own files, so add the file to the template and use a relative path' };
  if (ref.startsWith('/')) return { why: 'is an absolute path; use a path relative to the template' };
  const parts = dir === '' ? [] : dir.split('/');
  for (const seg of ref.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') parts.push(seg);
    else if (parts.length === 0) return { why: 'leaves the template\'s root directory' };
    else parts.pop();
  }
  return { path: parts.join('/') };
}

/** How a missing file is named: as written, plus where it resolved when that differs. */
function named(ref: string, path: string): string {
  return ref === path ? 'it' : `it (${path} in this version)`;
}

class HotCheck {
  private readonly problems: ValidationProblem[] = [];
  private readonly dir: string;
  private parameters = new Set<string>();
  private resources = new Set<string>();
  private conditions = new Set<string>();

  constructor(private readonly f: YamlFile, private readonly doc: Document.Parsed, private readonly paths: ReadonlySet<string>) {
    const slash = f.file.lastIndexOf('/');
    this.dir = slash < 0 ? '' : f.file.slice(0, slash);
  }

  run(root: YAMLMap): ValidationProblem[] {
    const sections = new Map<string, unknown>();
    for (const { name, key, value } of entries(root)) {
      if (SECTIONS.has(name)) sections.set(name, deref(this.doc, value));
      else this.report(key, 'hot-section', `Top-level key "${name}" is not a HOT section; a template has only ${[...SECTIONS].join(', ')}.`);
    }
    this.checkVersion(root);
    const description = sections.get('description');
    if (!isNull(description) && stringOf(description) === null) this.report(description, 'hot-section', 'The description must be a string.');
    const parameters = this.section(sections, 'parameters', 'hot-parameter-type');
    const resources = this.section(sections, 'resources', 'hot-resource');
    const outputs = this.section(sections, 'outputs', 'hot-output');
    const conditions = this.section(sections, 'conditions', 'hot-section');
    // Names first, so a reference may point forward; then each part once.
    this.parameters = this.names(parameters, 'hot-parameter-type', 'parameter');
    this.resources = this.names(resources, 'hot-resource', 'resource');
    this.conditions = this.names(conditions, 'hot-section', 'condition');
    for (const p of entries(parameters)) this.checkParameter(p.name, p.key, deref(this.doc, p.value));
    this.checkGroups(sections.get('parameter_groups'));
    for (const r of entries(resources)) this.checkResource(r.name, r.key, deref(this.doc, r.value));
    for (const o of entries(outputs)) this.checkOutput(o.name, o.key, deref(this.doc, o.value));
    for (const c of entries(conditions)) this.walk(c.value);
    return this.problems;
  }

  /**
   * The node under `key` in `map`, aliases resolved; a key a `<<` merge brings in counts, as in
   * PyYAML (the map's own keys first, then each merged mapping in order). Undefined when absent.
   */
  private field(map: YAMLMap, key: string, seen = new Set<YAMLMap>()): unknown {
    const own = map.items.find((p) => stringOf(p.key) === key);
    if (own) return deref(this.doc, own.value);
    seen.add(map); // `a: &a {<<: *a}` parses: an alias may name the mapping it sits in
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) continue;
      const source = deref(this.doc, pair.value);
      for (const m of isSeq(source) ? source.items : [source]) {
        const merged = deref(this.doc, m);
        if (!isMap(merged) || seen.has(merged)) continue;
        const found = this.field(merged, key, seen);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  private report(node: unknown, rule: Rule, message: string): void {
    this.problems.push(problemAt(this.f, node, rule, message));
  }

  private checkVersion(root: YAMLMap): void {
    const pair = root.items.find((p) => stringOf(p.key) === 'heat_template_version');
    const node = deref(this.doc, pair?.value);
    const at = isNull(node) ? pair?.key : node;
    const text = isScalar(node) ? hotVersionText(node.value) : null;
    if (text !== null && HOT_VERSIONS.has(text)) return;
    const shown = text === null ? 'heat_template_version must be a date or release name' : `heat_template_version ${text} is not a version Heat knows`;
    this.report(at, 'hot-version', `${shown}; use one of ${VERSION_LIST}.`);
  }

  /** A section's mapping, null when absent or empty; anything else is reported. */
  private section(sections: Map<string, unknown>, name: string, rule: Rule): YAMLMap | null {
    const node = sections.get(name);
    if (isMap(node)) return node;
    if (!isNull(node)) this.report(node, rule, `The ${name} section must be a mapping of names to definitions.`);
    return null;
  }

  private names(map: YAMLMap | null, rule: Rule, what: string): Set<string> {
    const names = new Set<string>();
    for (const e of entries(map)) {
      if (stringOf(e.key) === null) this.report(e.key, rule, `A ${what} name must be a string, not ${e.name || 'a collection'}.`);
      names.add(e.name);
    }
    return names;
  }

  private unknownKeys(def: YAMLMap, known: ReadonlySet<string>, rule: Rule, what: string): void {
    for (const { name, key } of entries(def)) {
      if (!known.has(name)) this.report(key, rule, `${what} has an unknown key "${name}"; the keys are ${[...known].join(', ')}.`);
    }
  }

  private checkParameter(name: string, key: unknown, def: unknown): void {
    if (!isMap(def)) { this.report(isNull(def) ? key : def, 'hot-parameter-type', `Parameter ${name} must be a mapping with at least a type.`); return; }
    this.unknownKeys(def, PARAMETER_KEYS, 'hot-parameter-type', `Parameter ${name}`);
    const typeNode = this.field(def, 'type');
    const type = stringOf(typeNode);
    if (type === null || !PARAMETER_TYPES.has(type)) {
      const shown = type === null ? 'needs a type' : `has type "${type}", which Heat does not know`;
      this.report(typeNode ?? key, 'hot-parameter-type', `Parameter ${name} ${shown}; use one of ${[...PARAMETER_TYPES].join(', ')}.`);
    }
    const known = type !== null && PARAMETER_TYPES.has(type) ? type : null;
    const fallback = this.field(def, 'default');
    if (fallback !== undefined && known) this.checkDefault(name, known, fallback);
    for (const flag of ['hidden', 'immutable']) {
      const node = this.field(def, flag);
      if (node !== undefined && !(isScalar(node) && (typeof node.value === 'boolean' || BOOLEAN_WORDS.has(String(node.value).toLowerCase())))) {
        this.report(node, 'hot-parameter-type', `Parameter ${name}: ${flag} must be true or false.`);
      }
    }
    const constraints = this.field(def, 'constraints');
    if (constraints === undefined || isNull(constraints)) return;
    if (!isSeq(constraints)) { this.report(constraints, 'hot-constraint', `Parameter ${name}: constraints must be a list of mappings.`); return; }
    for (const c of constraints.items) this.checkConstraint(name, known, deref(this.doc, c));
  }

  private checkDefault(name: string, type: string, node: unknown): void {
    if (isNull(node)) return;
    const value = isScalar(node) ? node.value : undefined;
    let ok: boolean;
    switch (type) {
      case 'number': ok = typeof value === 'number' || (typeof value === 'string' && NUMBER_TEXT.test(value)); break;
      case 'boolean': ok = typeof value === 'boolean' || value === 0 || value === 1 || (typeof value === 'string' && BOOLEAN_WORDS.has(value.toLowerCase())); break;
      case 'json': ok = isMap(node) || isSeq(node) || (typeof value === 'string' && (value.trim() === '' || isJsonCollection(value))); break;
      case 'comma_delimited_list': ok = !isMap(node); break;
      default: ok = isScalar(node);
    }
    if (!ok) this.report(node, 'hot-parameter-type', `Parameter ${name}: the default is not a valid ${type}.`);
  }

  private checkConstraint(name: string, type: string | null, c: unknown): void {
    const where = `Parameter ${name}`;
    if (!isMap(c)) { this.report(c, 'hot-constraint', `${where}: each constraint must be a mapping such as {length: {min: 1}}.`); return; }
    const kinds = entries(c).filter((e) => e.name !== 'description');
    const unknown = kinds.filter((e) => !CONSTRAINT_TYPES.has(e.name));
    for (const e of unknown) this.report(e.key, 'hot-constraint', `${where}: "${e.name}" is not a constraint; use one of ${[...CONSTRAINT_TYPES.keys()].join(', ')}.`);
    if (unknown.length > 0) return;
    const [kind, extra] = kinds;
    if (!kind || extra) { this.report(extra?.key ?? c, 'hot-constraint', `${where}: each constraint holds exactly one kind (and an optional description).`); return; }
    const valid = CONSTRAINT_TYPES.get(kind.name);
    if (type && valid && !valid.has(type)) {
      this.report(kind.key, 'hot-constraint', `${where}: a ${kind.name} constraint does not apply to a ${type} parameter (only to ${[...valid].join(', ')}).`);
    }
    const value = deref(this.doc, kind.value);
    const bad = (why: string) => this.report(isNull(value) ? kind.key : value, 'hot-constraint', `${where}: ${kind.name} ${why}.`);
    switch (kind.name) {
      case 'length': case 'range': {
        const bounds = this.bounds(value, ['min', 'max'], kind.name === 'length');
        if (typeof bounds === 'string') bad(bounds);
        else if (bounds.min === undefined && bounds.max === undefined) bad('needs min, max or both');
        else if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) bad('has min greater than max');
        break;
      }
      case 'modulo': {
        const b = this.bounds(value, ['step', 'offset'], true);
        if (typeof b === 'string') bad(b);
        else if (b.step === undefined || b.offset === undefined) bad('needs both step and offset');
        else if (b.step === 0) bad('step must not be 0');
        else if (Math.abs(b.offset) >= Math.abs(b.step)) bad('offset must be smaller than step');
        else if (b.offset !== 0 && Math.sign(b.offset) !== Math.sign(b.step)) bad('step and offset must have the same sign');
        break;
      }
      case 'allowed_values': if (!isSeq(value)) bad('must be a list'); break;
      case 'allowed_pattern': {
        const pattern = stringOf(value);
        const error = pattern === null ? 'must be a string' : regexError(pattern);
        if (error) bad(pattern === null ? error : `is not a valid regular expression (${error})`);
        break;
      }
      default: if (!stringOf(value)) bad('must name a custom constraint');
    }
  }

  /** Numeric keys of a constraint's mapping; a sentence when it is not one. */
  private bounds(node: unknown, keys: readonly string[], isInteger: boolean): Record<string, number | undefined> | string {
    if (!isMap(node)) return `must be a mapping with ${keys.join(' and/or ')}`;
    const out: Record<string, number | undefined> = {};
    for (const { name, value } of entries(node)) {
      if (!keys.includes(name)) return `has an unknown key "${name}"; use ${keys.join(', ')}`;
      const v = isScalar(value) ? value.value : undefined;
      if (typeof v !== 'number' || (isInteger && !Number.isInteger(v))) return `${name} must be ${isInteger ? 'an integer' : 'a number'}`;
      out[name] = v;
    }
    return out;
  }

  private checkGroups(node: unknown): void {
    if (isNull(node)) return;
    const rule = 'hot-parameter-group';
    if (!isSeq(node)) { this.report(node, rule, 'parameter_groups must be a list of groups, each with a parameters list.'); return; }
    const grouped = new Set<string>();
    for (const item of node.items) {
      const group = deref(this.doc, item);
      if (!isMap(group)) { this.report(group, rule, 'Each parameter group must be a mapping with label, description and parameters.'); continue; }
      this.unknownKeys(group, GROUP_KEYS, rule, 'A parameter group');
      const list = this.field(group, 'parameters');
      if (!isSeq(list)) { this.report(list ?? group, rule, 'A parameter group needs a parameters list naming declared parameters.'); continue; }
      for (const p of list.items) {
        const name = stringOf(p);
        if (name === null) this.report(p, rule, 'A parameter group lists parameter names, which are strings.');
        else if (!this.parameters.has(name)) this.report(p, rule, `Parameter group lists ${name}, which is not a declared parameter.`);
        else if (grouped.has(name)) this.report(p, rule, `Parameter ${name} is in more than one parameter group.`);
        else grouped.add(name);
      }
    }
  }

  private checkResource(name: string, key: unknown, def: unknown): void {
    const rule = 'hot-resource';
    if (!isMap(def)) { this.report(isNull(def) ? key : def, rule, `Resource ${name} must be a mapping with at least a type.`); return; }
    this.unknownKeys(def, RESOURCE_KEYS, rule, `Resource ${name}`);
    const type = this.field(def, 'type');
    if (!stringOf(type)) this.report(type ?? key, rule, `Resource ${name} needs a type, a string such as OS::Nova::Server or a nested template path.`);
    for (const part of ['properties', 'metadata', 'update_policy']) {
      const node = this.field(def, part);
      if (node !== undefined && !isNull(node) && !isMap(node)) this.report(node, rule, `Resource ${name}: ${part} must be a mapping.`);
    }
    const policy = this.field(def, 'deletion_policy');
    if (isScalar(policy) && !DELETION_POLICIES.has(String(policy.value).toLowerCase())) {
      this.report(policy, rule, `Resource ${name}: deletion_policy must be Delete, Retain or Snapshot.`);
    }
    this.checkConditionName(this.field(def, 'condition'), rule, `Resource ${name}`);
    this.checkDependsOn(name, this.field(def, 'depends_on'));
    this.walk(def);
  }

  private checkDependsOn(name: string, node: unknown): void {
    if (node === undefined || isNull(node)) return;
    const items = isSeq(node) ? node.items : [node];
    for (const item of items) {
      const target = stringOf(item);
      if (target === null) this.report(item, 'hot-depends-on', `Resource ${name}: depends_on takes resource names (a string or a list of them).`);
      else if (target === name) this.report(item, 'hot-depends-on', `Resource ${name} depends on itself.`);
      else if (!this.resources.has(target)) this.report(item, 'hot-depends-on', `Resource ${name} depends on ${target}, which is not a resource of this template.`);
    }
  }

  private checkConditionName(node: unknown, rule: Rule, where: string): void {
    const name = stringOf(node);
    if (name !== null && !this.conditions.has(name)) this.report(node, rule, `${where} names condition ${name}, which the conditions section does not define.`);
  }

  private checkOutput(name: string, key: unknown, def: unknown): void {
    if (!isMap(def)) { this.report(isNull(def) ? key : def, 'hot-output', `Output ${name} must be a mapping with a value.`); return; }
    this.unknownKeys(def, OUTPUT_KEYS, 'hot-output', `Output ${name}`);
    if (this.field(def, 'value') === undefined) this.report(key, 'hot-output', `Output ${name} has no value.`);
    this.checkConditionName(this.field(def, 'condition'), 'hot-output', `Output ${name}`);
    this.walk(def);
  }

  /** Visits every node under `node` once (aliases are visited where their anchor is), checking functions and nested template types. */
  private walk(node: unknown): void {
    if (isMap(node)) {
      const only = node.items.length === 1 ? node.items[0] : undefined;
      const fn = only ? stringOf(only.key) : null;
      if (only && fn !== null) this.checkFunction(fn, only.value);
      for (const pair of node.items) {
        if (stringOf(pair.key) === 'type') this.checkNestedType(pair.value);
        this.walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) this.walk(item);
    }
  }

  private checkFunction(fn: string, arg: unknown): void {
    const value = deref(this.doc, arg);
    switch (fn) {
      case 'get_param': {
        const first = isSeq(value) ? value.items[0] : value;
        const name = stringOf(first);
        if (isScalar(first) && name === null) this.report(first, 'hot-get-param', 'get_param takes a parameter name or a list [name, key, ...].');
        else if (name !== null && !this.parameters.has(name) && !PSEUDO_PARAMETERS.has(name)) {
          this.report(first, 'hot-get-param', `get_param ${name}: no parameter ${name} is declared.`);
        }
        break;
      }
      case 'get_resource': {
        const name = stringOf(value);
        if (isScalar(value) && name === null) this.report(value, 'hot-get-resource', 'get_resource takes a resource name.');
        else if (name !== null && !this.resources.has(name)) this.report(value, 'hot-get-resource', `get_resource ${name}: no resource ${name} is declared.`);
        break;
      }
      case 'get_attr': {
        if (!isSeq(value) || value.items.length === 0) { this.report(value, 'hot-get-attr', 'get_attr takes a list [resource, attribute, ...].'); break; }
        const first = value.items[0];
        const name = stringOf(first);
        if (name !== null && !this.resources.has(name)) this.report(first, 'hot-get-attr', `get_attr ${name}: no resource ${name} is declared.`);
        break;
      }
      case 'get_file': {
        const ref = stringOf(value);
        if (ref === null) { this.report(value, 'hot-get-file', 'get_file takes a literal path: the client reads the file before Heat sees the template.'); break; }
        const at = resolveInTree(this.dir, ref);
        if ('why' in at) this.report(value, 'hot-get-file', `get_file ${ref} ${at.why}.`);
        else if (!this.paths.has(at.path)) this.report(value, 'hot-get-file', `get_file ${ref}: ${named(ref, at.path)} is not a file of this version.`);
        break;
      }
    }
  }

  private checkNestedType(node: unknown): void {
    const type = stringOf(deref(this.doc, node));
    if (type === null || !NESTED_TYPE.test(type)) return;
    const at = resolveInTree(this.dir, type);
    if ('why' in at) this.report(node, 'hot-nested-template', `Nested template ${type} ${at.why}.`);
    else if (!this.paths.has(at.path)) this.report(node, 'hot-nested-template', `Nested template ${type}: ${named(type, at.path)} is not a file of this version.`);
  }
}

function isJsonCollection(text: string): boolean {
  try { const v: unknown = JSON.parse(text); return typeof v === 'object' && v !== null; } catch { return false; }
}
