// Checking a resource's literal property values against its type's schema, as Heat does before it
// creates anything (heat/engine/properties.py: Properties.validate, Property._get_* per type).
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { PropertySchema, Translation } from './resource-types';

/** Every HOT intrinsic function and condition function (heat/engine/hot/template.py, all versions). */
export const HOT_FUNCTIONS: ReadonlySet<string> = new Set([
  'get_attr', 'get_file', 'get_param', 'get_resource', 'list_join', 'repeat', 'resource_facade', 'str_replace',
  'str_replace_strict', 'str_replace_vstrict', 'str_split', 'digest', 'map_merge', 'map_replace', 'yaql', 'equals',
  'if', 'not', 'and', 'or', 'filter', 'make_url', 'list_concat', 'list_concat_unique', 'contains', 'condition',
  'Fn::GetAZs', 'Fn::Select', 'Fn::Join', 'Fn::Split', 'Fn::Replace', 'Fn::Base64', 'Fn::MemberListToMap',
  'Fn::ResourceFacade', 'Fn::GetAtt', 'Ref',
]);

/** Receives the node a refusal is about and Heat's sentence for it. */
export type PropertyReport = (node: unknown, message: string) => void;

/** A declared parameter as get_param resolves it when no value is given: its type and its default node. */
export interface ParameterDefault {
  readonly type: string;
  readonly default: unknown;
}

/** How the checks read the template: YAML aliases, and the defaults get_param falls back to. */
export interface PropertyContext {
  deref(n: unknown): unknown;
  /** The parameter `name` when it is declared with a default, else undefined (its value is the caller's). */
  parameter(name: string): ParameterDefault | undefined;
  /** Whether a one-key mapping with this key is a function call in the template's version (else it is data). */
  isFunction(name: string): boolean;
  report: PropertyReport;
}

/** The function a one-key mapping calls (`get_attr`), or null when it is not a call of an intrinsic function. */
function functionName(node: unknown, isFunction: (name: string) => boolean = (n) => HOT_FUNCTIONS.has(n)): string | null {
  if (!isMap(node) || node.items.length !== 1) return null;
  const key = node.items[0]?.key;
  return isScalar(key) && typeof key.value === 'string' && isFunction(key.value) ? key.value : null;
}

/** True when `node` is an intrinsic function call, whose value is known only when the stack is created. */
export function isFunctionCall(node: unknown): boolean {
  return functionName(node) !== null;
}

/** True when a get_resource or get_attr sits anywhere under `node`: Heat then skips validating that property (Property._find_deps_any_in_init). */
function refersToResources(node: unknown, deref: (n: unknown) => unknown, seen = new Set<unknown>()): boolean {
  const n = deref(node);
  if (seen.has(n)) return false; // an alias of a mapping it sits in
  seen.add(n);
  const fn = functionName(n);
  if (fn === 'get_resource' || fn === 'get_attr' || fn === 'Fn::GetAtt' || fn === 'Ref') return true;
  if (isMap(n)) return n.items.some((p) => refersToResources(p.value, deref, seen));
  if (isSeq(n)) return n.items.some((i) => refersToResources(i, deref, seen));
  return false;
}

const isNull = (node: unknown) => node === null || node === undefined || (isScalar(node) && node.value === null);
// int() in Python 3: optional sign and blanks, digits with single underscores between them
const PY_INT_TEXT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const PY_FLOAT_TEXT = /^\s*[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:e[+-]?\d+)?|\d+\.|inf(?:inity)?|nan)\s*$/i;

/** Python's repr() of a literal, as Heat quotes values in its messages. */
function pyRepr(node: unknown, deref: (n: unknown) => unknown): string {
  const n = deref(node);
  if (isScalar(n)) {
    const v = n.value;
    if (typeof v === 'string') return `'${v}'`;
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (v === null) return 'None';
    return isPyFloat(n) && Number.isInteger(v) ? `${String(v)}.0` : String(v);
  }
  if (isSeq(n)) return `[${n.items.map((i) => pyRepr(i, deref)).join(', ')}]`;
  if (isMap(n)) return `{${n.items.map((p) => `${pyRepr(p.key, deref)}: ${pyRepr(p.value, deref)}`).join(', ')}}`;
  return 'None';
}

/** A number PyYAML built as a float (`1.0`, `.5`, `.inf`): JavaScript cannot tell `1.0` from `1`, the source can. */
function isPyFloat(node: unknown): boolean {
  if (!isScalar(node) || typeof node.value !== 'number') return false;
  const source = (node as { source?: unknown }).source;
  return !Number.isInteger(node.value) || (typeof source === 'string' && /[.]|inf|nan/i.test(source));
}

/**
 * Checks the literal values of a `properties` mapping against `schema`, calling `report` for each
 * refusal Heat would give: an unknown property, a required one missing (a deprecated name that
 * Heat translates counts, see `translations`), one not implemented, a value of the wrong type or
 * not among the allowed values. Function calls are not judged (their values exist only at create
 * time), and a property that refers to a resource anywhere is not judged at all, as in Heat.
 */
export function checkProperties(schema: Readonly<Record<string, PropertySchema>> | undefined, props: YAMLMap | null, ctx: PropertyContext,
  where = '', translations: readonly Translation[] = []): void {
  if (!schema) return;
  const { deref, report } = ctx;
  const given = effectivePairs(props, deref);
  for (const [name, { key, value }] of given) {
    const s = Object.hasOwn(schema, name) ? schema[name] : undefined; // never a prototype member (`constructor`)
    if (!s) { report(key, `Unknown Property ${where}${name}; the properties are ${Object.keys(schema).sort().join(', ') || 'none'}`); continue; }
    if (s.implemented === false) { report(key, `Property ${where}${name} not implemented yet`); continue; }
    if (functionName(value, ctx.isFunction) === 'get_attr' || !refersToResources(value, deref)) checkValue(s, value, ctx, `${where}${name}`);
  }
  for (const [name, s] of Object.entries(schema)) {
    if (!s.required || s.default !== undefined || given.has(name)) continue; // an explicit null counts as given
    const translated = translations.some((t) => t.rule === 'Replace' && t.path === name && t.valuePath !== undefined && given.has(t.valuePath));
    if (!translated) report(props, `Property ${where}${name} not assigned`);
  }
}

/**
 * A mapping's pairs as PyYAML builds the dict: its own keys, then the keys `<<` merges bring in
 * that it does not have (earlier merged mappings win over later ones).
 */
function effectivePairs(map: YAMLMap | null, deref: (n: unknown) => unknown, seen = new Set<YAMLMap>()): Map<string, { key: unknown; value: unknown }> {
  const out = new Map<string, { key: unknown; value: unknown }>();
  if (!map || seen.has(map)) return out;
  seen.add(map);
  const merges: unknown[] = [];
  for (const pair of map.items) {
    if (isScalar(pair.key) && typeof pair.key.value === 'symbol') { merges.push(deref(pair.value)); continue; }
    out.set(isScalar(pair.key) ? String(pair.key.value) : '', { key: pair.key, value: deref(pair.value) });
  }
  for (const source of merges) {
    for (const m of isSeq(source) ? source.items.map(deref) : [source]) {
      if (!isMap(m)) continue;
      for (const [k, v] of effectivePairs(m, deref, seen)) if (!out.has(k)) out.set(k, v);
    }
  }
  return out;
}

/** Checks one literal value against its schema, recursing into fixed maps and list items. */
function checkValue(s: PropertySchema, node: unknown, ctx: PropertyContext, at: string): void {
  const { deref, report } = ctx;
  if (isNull(node)) return;
  const fn = functionName(node, ctx.isFunction);
  if (fn === 'get_attr') {
    // before the stack exists get_attr resolves to nothing, and Heat then checks a fixed map's
    // required keys against an empty map (Property X not assigned; seen with Heat 19)
    if (s.type === 'map' && s.schema && !('*' in s.schema)) checkProperties(s.schema, null, ctx, `${at}.`);
    return;
  }
  if (fn === 'get_param' && isMap(node)) {
    // get_param of a parameter with a default is that default when the stack is created without a value
    const name = deref(node.items[0]?.value);
    const p = isScalar(name) && typeof name.value === 'string' ? ctx.parameter(name.value) : undefined;
    if (p && (p.type === 'json' || p.type === 'string')) checkValue(s, deref(p.default), ctx, at);
    return;
  }
  if (fn !== null) return;
  const scalar = isScalar(node) ? node.value : undefined;
  const repr = pyRepr(node, deref);
  switch (s.type) {
    case 'string':
      // _get_string: str, or bool/int turned into text; a float, list or map is refused
      if (!isScalar(node) || isPyFloat(node)) { report(node, `${at}: Value must be a string; got ${repr}`); return; }
      break;
    case 'integer':
      // _get_integer: int(value); a float is truncated, a string must be an integer's text
      if (!(typeof scalar === 'number' || typeof scalar === 'boolean' || (typeof scalar === 'string' && PY_INT_TEXT.test(scalar)))) {
        report(node, isScalar(node) ? `${at}: Value '${String(scalar)}' is not an integer` : `${at}: int() argument must be a string, a bytes-like object or a real number, not '${isMap(node) ? 'dict' : 'list'}'`);
        return;
      }
      break;
    case 'number':
      if (!(typeof scalar === 'number' || typeof scalar === 'boolean' || (typeof scalar === 'string' && PY_FLOAT_TEXT.test(scalar)))) {
        report(node, `${at}: could not convert string to float: ${repr}`);
        return;
      }
      break;
    case 'boolean':
      if (typeof scalar !== 'boolean' && !(typeof scalar === 'string' && ['true', 'false'].includes(scalar.toLowerCase()))) {
        report(node, `${at}: "${isScalar(node) ? String(scalar).toLowerCase() : repr}" is not a valid boolean`);
        return;
      }
      break;
    case 'map':
      if (!isMap(node)) { report(node, `${at}: "${repr}" is not a map`); return; }
      if (s.schema && !('*' in s.schema)) checkProperties(s.schema, node, ctx, `${at}.`);
      return;
    case 'list': {
      if (!isSeq(node)) { report(node, `${at}: "${repr}" is not a list`); return; }
      const itemSchema = s.schema?.['*'];
      node.items.forEach((item, i) => { if (itemSchema) checkValue(itemSchema, deref(item), ctx, `${at}[${i}]`); });
      if (s.allowed && s.allowed.length > 0) {
        const values = node.items.map((i) => deref(i));
        if (values.every((v) => isScalar(v)) && !values.every((v) => isAllowed(s, (v as { value: unknown }).value))) report(node, `${at}: ${repr} is not an allowed value ${JSON.stringify(s.allowed)}`);
      }
      return;
    }
    default:
      return;
  }
  if (s.allowed && s.allowed.length > 0 && !isAllowed(s, scalar)) report(node, `${at}: "${String(scalar)}" is not an allowed value ${JSON.stringify(s.allowed)}`);
}

/** AllowedValues through Schema.to_schema_type: text for strings, numbers for numbers, booleans by word. */
function isAllowed(s: PropertySchema, value: unknown): boolean {
  const norm = (v: unknown): string => {
    if (s.type === 'integer' || s.type === 'number') return String(Number(v));
    if (s.type === 'boolean') return String(v).toLowerCase();
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    return String(v);
  };
  return (s.allowed ?? []).some((a) => norm(a) === norm(value));
}
