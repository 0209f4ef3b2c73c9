// Checking one Heat Orchestration Template: its sections, parameters, resources and outputs, and every reference between them.
import { isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml';
import type { TreeInput, ValidationProblem } from './problem';
import { HOT_VERSIONS, hotVersionText } from './hot-versions';
import { deref, entries, isMergeKey, isNull, problemAt, stringOf, type YamlFile } from './yaml-files';
import { checkParameter, type HotReader } from './hot-parameters';
import { findCycle } from './dependency-cycle';
import { HOT_FUNCTIONS, checkProperties, isFunctionCall, type ParameterDefault } from '../../heat/properties';
import { resourceTypes, type HotVersion, type ResourceType } from '../../heat/resource-types';
import { functionArgumentError } from '../../heat/functions';
import { parseTemplateUrl } from '../template-url';

const SECTIONS = new Set(['heat_template_version', 'description', 'parameter_groups', 'parameters', 'resources', 'outputs', 'conditions']);
const RESOURCE_KEYS = new Set(['type', 'properties', 'metadata', 'depends_on', 'update_policy', 'deletion_policy', 'external_id', 'condition']);
const OUTPUT_KEYS = new Set(['value', 'description', 'condition']);
const GROUP_KEYS = new Set(['label', 'description', 'parameters']);
const PSEUDO_PARAMETERS = new Set(['OS::stack_name', 'OS::stack_id', 'OS::project_id']);
const DELETION_POLICIES = new Set(['delete', 'retain', 'snapshot']);
// python-heatclient fetches a `type` ending like this as a nested template (template_utils.py); `.yml` added for YAML's other suffix.
const NESTED_TYPE = /\.(?:ya?ml|template)$/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const VERSION_LIST = [...HOT_VERSIONS.keys()].join(', ');

type Rule = 'hot-version' | 'hot-section' | 'hot-parameter-type' | 'hot-constraint' | 'hot-parameter-group' | 'hot-resource'
  | 'hot-get-param' | 'hot-get-resource' | 'hot-get-attr' | 'hot-depends-on' | 'hot-get-file' | 'hot-nested-template' | 'hot-output'
  | 'hot-function' | 'hot-default' | 'hot-duplicate-name' | 'hot-property' | 'hot-resource-type' | 'hot-dependency-cycle' | 'registry-outside-version';

/** The interface of a nested template of the same version, for the properties passed to it. */
export interface NestedInterface {
  /** Parameter name → true when it has no default (Heat needs a value). */
  readonly parameters: ReadonlyMap<string, boolean>;
}

/** What checkHot needs beyond the document: the version's files, and nested templates' interfaces. */
export interface HotContext {
  readonly input: TreeInput;
  /** The interface of the HOT at `path` in the version, null when it is not one (or does not parse). */
  nested(path: string): NestedInterface | null;
}

/** What checkHot found: the problems, and the nested templates (paths in the version) the template uses. */
export interface HotVerdict {
  readonly problems: ValidationProblem[];
  readonly nested: ReadonlySet<string>;
}

// Where a reference sits decides whether Heat resolves it before creating anything: resource
// properties and the conditions resources use are resolved (a wrong name refuses the stack);
// outputs, metadata and unused conditions only when a value is asked for (a wrong name is a warning).
type Strictness = 'resolved' | 'lazy';
// The property of a group type that defines its members (a resource definition Heat validates on create).
const MEMBER_DEFINITION: ReadonlyMap<string, string> = new Map([['OS::Heat::ResourceGroup', 'resource_def'], ['OS::Heat::AutoScalingGroup', 'resource']]);
// Heat's OS::Heat::None takes any properties and never resolves them.
const OPAQUE_TYPES = new Set(['OS::Heat::None']);

/** True when `root` is a HOT: a mapping with a `heat_template_version` key. */
export function isHotRoot(root: unknown): root is YAMLMap {
  return isMap(root) && root.items.some((p) => stringOf(p.key) === 'heat_template_version');
}

/**
 * Returns every problem of one HOT document of `f` (one pass over its nodes). `paths` is every
 * file of the version, for get_file and nested templates, which resolve against the template's
 * directory. Throws nothing.
 */
export function checkHot(f: YamlFile, doc: Document.Parsed, root: YAMLMap, ctx: HotContext): HotVerdict {
  const check = new HotCheck(f, doc, ctx);
  return { problems: check.run(root), nested: check.nestedUsed };
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
  private readonly paths: ReadonlySet<string>;
  private parameters = new Set<string>();
  private resources = new Set<string>();
  private conditions = new Set<string>();
  /** Resource name → its type's schema (known types only), for get_attr. */
  private readonly typeOf = new Map<string, ResourceType>();
  /** Resource name → resources it references (depends_on, get_resource, get_attr), for cycles. */
  private readonly edges = new Map<string, Set<string>>();
  private current: string | null = null;
  /** Heat's rules for this template's version; undefined when the version is unknown (reported). */
  private hot: HotVersion | undefined;
  private inCondition = false;
  private strictness: Strictness = 'resolved';
  readonly nestedUsed = new Set<string>();
  /** Parameters declared with a default (a string, or json given as a mapping or list), for get_param in properties. */
  private readonly parameterDefaults = new Map<string, ParameterDefault>();

  /** What the parameter checks (hot-parameters.ts) need of this check. */
  private readonly reader: HotReader = {
    field: (map, key) => this.field(map, key),
    deref: (n) => deref(this.doc, n),
    report: (node, rule, message) => this.report(node, rule as Rule, message),
    warn: (node, rule, message) => this.warn(node, rule as Rule, message),
    unknownKeys: (def, known, rule, what) => this.unknownKeys(def, known, rule as Rule, what),
    problemCount: () => this.problems.length,
  };

  constructor(private readonly f: YamlFile, private readonly doc: Document.Parsed, private readonly ctx: HotContext) {
    const slash = f.file.lastIndexOf('/');
    this.dir = slash < 0 ? '' : f.file.slice(0, slash);
    this.paths = ctx.input.paths;
  }

  run(root: YAMLMap): ValidationProblem[] {
    this.checkVersion(root);
    const known = this.hot ? new Set(this.hot.sections.filter((x) => !x.startsWith('__'))) : SECTIONS;
    const sections = new Map<string, unknown>();
    for (const { name, key, value } of entries(root)) {
      if (known.has(name)) sections.set(name, deref(this.doc, value));
      else this.report(key, 'hot-section', `Top-level key "${name}" is not a HOT section${this.hot ? ' of this heat_template_version' : ''}; a template has only ${[...known].join(', ')}.`);
    }
    const description = sections.get('description');
    if (!isNull(description) && stringOf(description) === null) this.warn(description, 'hot-section', 'The description should be a string; Heat keeps whatever is there.');
    const parameters = this.section(sections, 'parameters', 'hot-parameter-type');
    const resources = this.section(sections, 'resources', 'hot-resource');
    const outputs = this.section(sections, 'outputs', 'hot-output');
    const conditions = this.section(sections, 'conditions', 'hot-section');
    // Heat takes an empty section as none, except conditions: "Condition definitions must be a map"
    if (sections.has('conditions') && isNull(sections.get('conditions'))) this.report(root.items.find((p) => stringOf(p.key) === 'conditions')?.key, 'hot-section', 'The conditions section must be a mapping of names to conditions; Heat refuses an empty one.');
    // Names first, so a reference may point forward; then each part once.
    this.parameters = this.names(parameters, 'hot-parameter-type', 'parameter');
    this.resources = this.names(resources, 'hot-resource', 'resource');
    this.conditions = this.names(conditions, 'hot-section', 'condition');
    for (const r of entries(resources)) {
      // Heat keeps parameters and resources in one namespace (Template.validate_resource_definitions)
      if (this.parameters.has(r.name)) this.report(r.key, 'hot-duplicate-name', `${r.name} is both a parameter and a resource; Heat refuses duplicate names.`);
    }
    for (const r of entries(resources)) {
      const def = deref(this.doc, r.value);
      const type = isMap(def) ? stringOf(this.field(def, 'type')) : null;
      const known = type !== null ? resourceTypes().get(type) : undefined;
      if (known) this.typeOf.set(r.name, known);
    }
    for (const p of entries(parameters)) {
      const fallback = checkParameter(this.reader, p.name, p.key, deref(this.doc, p.value));
      if (fallback) this.parameterDefaults.set(p.name, fallback);
    }
    this.checkGroups(sections.get('parameter_groups'));
    const usedConditions = this.usedConditions(resources, outputs, conditions);
    for (const r of entries(resources)) this.checkResource(r.name, r.key, deref(this.doc, r.value));
    this.checkCycles();
    this.strictness = 'lazy';
    this.current = null;
    for (const o of entries(outputs)) this.checkOutput(o.name, o.key, deref(this.doc, o.value));
    this.inCondition = true;
    for (const c of entries(conditions)) {
      this.strictness = usedConditions.has(c.name) ? 'resolved' : 'lazy';
      this.walk(c.value);
    }
    this.inCondition = false;
    return this.problems;
  }

  /** The conditions Heat evaluates: named by a resource or an output, or by a condition that is. */
  private usedConditions(resources: YAMLMap | null, outputs: YAMLMap | null, conditions: YAMLMap | null): Set<string> {
    const used = new Set<string>();
    // aliases are visited where their anchor is (an alias may name the mapping it sits in)
    const visit = (n: unknown): void => {
      if (isMap(n)) {
        for (const pair of n.items) {
          const key = stringOf(pair.key);
          const value = deref(this.doc, pair.value);
          if (key === 'condition') {
            const name = stringOf(value);
            if (name !== null && this.conditions.has(name) && !used.has(name)) {
              used.add(name);
              visit(this.field(conditions as YAMLMap, name));
            }
          } else if (key === 'if' && isSeq(value)) {
            const name = stringOf(deref(this.doc, value.items[0]));
            if (name !== null && this.conditions.has(name) && !used.has(name)) { used.add(name); visit(this.field(conditions as YAMLMap, name)); }
          }
          visit(pair.value);
        }
      } else if (isSeq(n)) n.items.forEach(visit);
    };
    visit(resources);
    visit(outputs);
    return used;
  }

  /** A depends_on / get_resource / get_attr loop among resources: Heat refuses it (Circular Dependency Found). */
  private checkCycles(): void {
    const found = findCycle(this.edges);
    if (found) this.problems.push({ file: this.f.file, rule: 'hot-dependency-cycle', message: `Resources depend on each other in a circle (${found.join(' -> ')}); Heat refuses it (Circular Dependency Found).` });
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

  /** Something Heat accepts but a reader should fix: reported, never a refusal. */
  private warn(node: unknown, rule: Rule, message: string): void {
    this.problems.push({ ...problemAt(this.f, node, rule, message), severity: 'warning' });
  }

  /** A reference Heat checks only where it resolves it: an error there, a warning elsewhere. */
  private reference(node: unknown, rule: Rule, message: string): void {
    if (this.strictness === 'resolved') this.report(node, rule, message);
    else this.warn(node, rule, `${message} Heat only notices this when the value is used, so it is not refused.`);
  }

  private checkVersion(root: YAMLMap): void {
    const pair = root.items.find((p) => stringOf(p.key) === 'heat_template_version');
    const node = deref(this.doc, pair?.value);
    const at = isNull(node) ? pair?.key : node;
    const text = isScalar(node) ? hotVersionText(node.value) : null;
    if (text !== null && HOT_VERSIONS.has(text)) { this.hot = resourceTypes().hot(text); return; }
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
    this.unknownKeys(def, this.hot ? new Set(this.hot.resourceKeys) : RESOURCE_KEYS, rule, `Resource ${name}`);
    const type = this.field(def, 'type');
    if (!stringOf(type)) this.report(type ?? key, rule, `Resource ${name} needs a type, a string such as OS::Nova::Server or a nested template path.`);
    for (const part of ['properties', 'metadata', 'update_policy']) {
      const node = this.field(def, part);
      if (node !== undefined && !isNull(node) && !isMap(node)) this.report(node, rule, `Resource ${name}: ${part} must be a mapping.`);
    }
    const policy = this.field(def, 'deletion_policy');
    const policies = this.hot ? new Set(this.hot.deletionPolicies) : DELETION_POLICIES;
    if (isScalar(policy) && !policies.has(this.hot ? String(policy.value) : String(policy.value).toLowerCase())) {
      this.report(policy, rule, `Resource ${name}: deletion_policy must be one of ${[...policies].join(', ')} in this heat_template_version.`);
    }
    const condition = this.field(def, 'condition');
    this.checkConditionName(condition, rule, `Resource ${name}`);
    this.current = name;
    this.edges.set(name, new Set());
    this.checkDependsOn(name, this.field(def, 'depends_on'));
    const typeName = stringOf(type);
    // a resource under a condition is only created (and its properties resolved) when it holds
    const conditional = condition !== undefined && !(isScalar(condition) && condition.value === true);
    const isOpaque = typeName !== null && OPAQUE_TYPES.has(typeName);
    // a resource with an external_id is adopted as it is: Heat checks none of its properties
    if (typeName !== null && this.field(def, 'external_id') === undefined) this.checkResourceType(name, type, typeName, this.field(def, 'properties'), conditional);
    for (const pair of def.items) {
      const part = stringOf(pair.key);
      this.strictness = part === 'properties' && !conditional && !isOpaque ? 'resolved' : 'lazy';
      if (part === 'type') this.checkNestedType(pair.value);
      if (part !== 'condition') this.walk(pair.value);
    }
    this.strictness = 'resolved';
  }

  /** The type's own rules: Heat's schema for a type it registers, a nested template's parameters, or a warning for an unknown type. */
  private checkResourceType(name: string, typeNode: unknown, type: string, propsNode: unknown, conditional: boolean): void {
    const props = isMap(propsNode) ? propsNode : null;
    const reportProperty = (node: unknown, message: string) => {
      const text = `Resource ${name}: ${message}.`;
      if (conditional) this.warn(node, 'hot-property', `${text} Heat checks this when the resource's condition holds.`);
      else this.report(node, 'hot-property', text);
    };
    if (NESTED_TYPE.test(type)) {
      const at = resolveInTree(this.dir, type);
      if ('why' in at) return;
      this.nestedUsed.add(at.path);
      const nested = this.ctx.nested(at.path);
      if (!nested) return;
      for (const pair of props?.items ?? []) {
        const p = stringOf(pair.key);
        if (p !== null && !nested.parameters.has(p)) reportProperty(pair.key, `Unknown Property ${p}; the nested template ${type} has parameters ${[...nested.parameters.keys()].sort().join(', ') || 'none'}`);
      }
      for (const [p, isRequired] of nested.parameters) {
        const given = props?.items.some((pair) => stringOf(pair.key) === p) ?? false;
        if (isRequired && !given) this.warn(props ?? typeNode, 'hot-property', `Resource ${name}: the nested template ${type} needs parameter ${p} (it has no default) and it is not passed; the nested stack will ask for it when it is created.`);
      }
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(type) || type.includes('/')) return; // a URL or a path Heat fetches itself
    const known = resourceTypes().get(type);
    if (!known) {
      this.warn(typeNode, 'hot-resource-type', `Resource ${name}: Heat ${resourceTypes().heat} has no resource type ${type}; it must come from an environment's resource_registry or a plugin of the cloud that runs it.`);
      return;
    }
    if (known.openProperties) return;
    // a provider template's parameters come with the environment's parameter_defaults: only unknown names are sure
    const schema = known.provider ? Object.fromEntries(Object.entries(known.properties).map(([k, v]) => [k, { ...v, required: false }])) : known.properties;
    checkProperties(schema, props, { deref: (n) => deref(this.doc, n), parameter: (p) => this.parameterDefaults.get(p), report: reportProperty,
      isFunction: (fn) => (this.hot ? this.hot.functions[fn] === 'ok' : HOT_FUNCTIONS.has(fn)) }, '', known.translations);
    // the members of a group are resources too, checked when the group is created
    const memberKey = MEMBER_DEFINITION.get(type);
    if (memberKey !== undefined) {
      const def = props ? this.field(props, memberKey) : undefined;
      const memberType = isMap(def) ? stringOf(this.field(def, 'type')) : null;
      if (isMap(def) && memberType !== null && !isFunctionCall(def)) this.checkResourceType(`${name} (member)`, this.field(def, 'type'), memberType, this.field(def, 'properties'), conditional);
    }
  }

  private checkDependsOn(name: string, node: unknown): void {
    if (node === undefined || isNull(node)) return;
    const items = isSeq(node) ? node.items : [node];
    for (const item of items) {
      const target = stringOf(item);
      if (target === null) this.report(item, 'hot-depends-on', `Resource ${name}: depends_on takes resource names (a string or a list of them).`);
      else if (target === name) this.report(item, 'hot-depends-on', `Resource ${name} depends on itself.`);
      else if (!this.resources.has(target)) this.report(item, 'hot-depends-on', `Resource ${name} depends on ${target}, which is not a resource of this template.`);
      else this.edges.get(name)?.add(target);
    }
  }

  private checkConditionName(node: unknown, rule: Rule, where: string): void {
    const name = stringOf(node);
    if (name !== null && !this.conditions.has(name)) this.report(node, rule, `${where} names condition ${name}, which the conditions section does not define.`);
  }

  private checkOutput(name: string, key: unknown, def: unknown): void {
    if (!isMap(def)) { this.report(isNull(def) ? key : def, 'hot-output', `Output ${name} must be a mapping with a value.`); return; }
    for (const { name: k, key } of entries(def)) {
      if (!OUTPUT_KEYS.has(k)) this.warn(key, 'hot-output', `Output ${name} has an unknown key "${k}", which Heat ignores; the keys are ${[...OUTPUT_KEYS].join(', ')}.`);
    }
    if (this.field(def, 'value') === undefined) this.report(key, 'hot-output', `Output ${name} has no value.`);
    this.checkConditionName(this.field(def, 'condition'), 'hot-output', `Output ${name}`);
    this.walk(def);
  }

  /** Visits every node under `node` once (aliases are visited where their anchor is), checking functions and nested template types. */
  private walk(node: unknown): void {
    if (isMap(node)) {
      const only = node.items.length === 1 ? node.items[0] : undefined;
      const fn = only ? stringOf(only.key) : null;
      if (only && fn !== null && this.isCallable(fn, only.key)) {
        const error = functionArgumentError(fn, (this.hot?.functionClasses[fn] ?? '').split('.').pop() ?? '', only.value, (n) => deref(this.doc, n));
        if (error) this.report(only.value, 'hot-function', `${fn}: ${error}.`.replace(/\.\.$/, '.'));
        this.checkFunction(fn, only.value);
      }
      for (const pair of node.items) {
        if (stringOf(pair.key) === 'type') this.checkNestedType(pair.value);
        this.walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) this.walk(item);
    }
  }

  /**
   * Whether a one-key mapping `{fn: …}` is a function call in this version: a name the version
   * does not know is plain data to Heat (its value may then fail a property's type); a removed
   * function, or one that is not a condition function inside conditions, is reported.
   */
  private isCallable(fn: string, key: unknown): boolean {
    if (!this.hot) return HOT_FUNCTIONS.has(fn);
    const table = this.inCondition && Object.keys(this.hot.conditionFunctions).length > 0 ? this.hot.conditionFunctions : this.hot.functions;
    const status = Object.hasOwn(table, fn) ? table[fn] : undefined;
    if (status === 'removed') this.report(key, 'hot-function', `The function ${fn} is not supported in this heat_template_version.`);
    else if (status === 'invalid') this.report(key, 'hot-function', `The function "${fn}" is invalid in a condition; conditions may use ${Object.entries(table).filter(([, v]) => v === 'ok').map(([k]) => k).join(', ')}.`);
    return status === 'ok';
  }

  private checkFunction(fn: string, arg: unknown): void {
    const value = deref(this.doc, arg);
    switch (fn) {
      case 'get_param': {
        const first = isSeq(value) ? value.items[0] : value;
        const name = stringOf(first);
        if (isScalar(first) && name === null) this.report(first, 'hot-get-param', 'get_param takes a parameter name or a list [name, key, ...].');
        else if (name !== null && !this.parameters.has(name) && !PSEUDO_PARAMETERS.has(name)) {
          this.reference(first, 'hot-get-param', `get_param ${name}: no parameter ${name} is declared.`);
        }
        break;
      }
      case 'get_resource': {
        const name = stringOf(value);
        if (isScalar(value) && name === null) this.report(value, 'hot-get-resource', 'get_resource takes a resource name.');
        else if (name !== null && !this.resources.has(name)) {
          // resources are resolved for their dependencies wherever the reference sits in them
          if (this.current !== null) this.report(value, 'hot-get-resource', `get_resource ${name}: no resource ${name} is declared.`);
          else this.warn(value, 'hot-get-resource', `get_resource ${name}: no resource ${name} is declared; Heat notices only when the output is read.`);
        } else if (name !== null && this.current !== null) this.edges.get(this.current)?.add(name);
        break;
      }
      case 'get_attr': {
        if (!isSeq(value) || value.items.length === 0) break; // its shape is functionArgumentError's
        const first = value.items[0];
        const name = stringOf(first);
        if (name !== null && !this.resources.has(name)) { this.report(first, 'hot-get-attr', `get_attr ${name}: no resource ${name} is declared.`); break; }
        if (name !== null && this.current !== null) this.edges.get(this.current)?.add(name);
        const attribute = stringOf(deref(this.doc, value.items[1]));
        const type = name !== null ? this.typeOf.get(name) : undefined;
        if (type && !type.openAttributes && !type.provider && attribute !== null && !type.attributes.includes(attribute)) {
          this.report(value.items[1], 'hot-get-attr', `get_attr ${name}, ${attribute}: resource ${name} has no attribute ${attribute}; its attributes are ${type.attributes.join(', ')}.`);
        }
        break;
      }
      case 'get_file': {
        const ref = stringOf(value);
        if (ref === null) { this.report(value, 'hot-get-file', 'get_file takes a literal path: the client reads the file before Heat sees the template.'); break; }
        const at = resolveInTree(this.dir, ref);
        if ('why' in at) this.report(value, 'registry-outside-version', `get_file ${ref} ${at.why}.`);
        else if (!this.paths.has(at.path)) this.report(value, 'hot-get-file', `get_file ${ref}: ${named(ref, at.path)} is not a file of this version.`);
        break;
      }
    }
  }

  private checkNestedType(node: unknown): void {
    const type = stringOf(deref(this.doc, node));
    if (type === null || !NESTED_TYPE.test(type)) return;
    // another Heater template by its file URL is a dependency on a published version, not a file outside this one (see catalog/template-uses)
    if (parseTemplateUrl(type)) return;
    const at = resolveInTree(this.dir, type);
    if ('why' in at) this.report(node, 'registry-outside-version', `Nested template ${type} ${at.why}.`);
    else if (!this.paths.has(at.path)) this.report(node, 'hot-nested-template', `Nested template ${type}: ${named(type, at.path)} is not a file of this version.`);
  }
}
