// Checking the parameters section of a HOT: each parameter's type, keys, default and constraints,
// and the default against its own constraints, as Heat's parameter schemas do.
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { ParameterDefault } from '../../heat/properties';
import { checkDefault as checkDefaultAgainst, pythonRegexParts } from './default-check';
import { entries, isNull, stringOf } from './yaml-files';

/** What a parameter check needs of the template check that runs it. */
export interface HotReader {
  /** The node under `key` in `map` (aliases and `<<` merges followed), undefined when absent. */
  field(map: YAMLMap, key: string): unknown;
  deref(node: unknown): unknown;
  report(node: unknown, rule: string, message: string): void;
  warn(node: unknown, rule: string, message: string): void;
  unknownKeys(def: YAMLMap, known: ReadonlySet<string>, rule: string, what: string): void;
  /** How many problems are reported so far. */
  problemCount(): number;
}

const PARAMETER_TYPES = new Set(['string', 'number', 'json', 'comma_delimited_list', 'boolean']);
const PARAMETER_KEYS = new Set(['type', 'label', 'description', 'default', 'hidden', 'constraints', 'immutable', 'tags']);
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

/** The error compiling a Python `re` pattern as JavaScript, or null when it compiles. */
function regexError(pattern: string): string | null {
  const { source, flags } = pythonRegexParts(pattern);
  try { new RegExp(source, flags); return null; } catch (e) { return (e as Error).message; }
}

/**
 * Checks one parameter definition (type, keys, default, flags, constraints, the default against
 * its constraints) through `c`; returns the parameter's default when get_param may stand for it
 * in a property (a string, or json written as YAML), else undefined.
 */
export function checkParameter(c: HotReader, name: string, key: unknown, def: unknown): ParameterDefault | undefined {
  if (!isMap(def)) { c.report(isNull(def) ? key : def, 'hot-parameter-type', `Parameter ${name} must be a mapping with at least a type.`); return undefined; }
  c.unknownKeys(def, PARAMETER_KEYS, 'hot-parameter-type', `Parameter ${name}`);
  const typeNode = c.field(def, 'type');
  const type = stringOf(typeNode);
  if (type === null || !PARAMETER_TYPES.has(type)) {
    const shown = type === null ? 'needs a type' : `has type "${type}", which Heat does not know`;
    c.report(typeNode ?? key, 'hot-parameter-type', `Parameter ${name} ${shown}; use one of ${[...PARAMETER_TYPES].join(', ')}.`);
  }
  const known = type !== null && PARAMETER_TYPES.has(type) ? type : null;
  const fallback = c.field(def, 'default');
  const isDefaultOk = fallback !== undefined && known ? checkDefaultType(c, name, known, fallback) : false;
  // a json default written as YAML is that value; one written as JSON text is left alone
  const standsIn = isDefaultOk && known !== null && !isNull(fallback) && (known === 'string' || (known === 'json' && (isMap(fallback) || isSeq(fallback)))) ? { type: known, default: fallback } : undefined;
  for (const flag of ['hidden', 'immutable']) {
    const node = c.field(def, flag);
    if (node !== undefined && !(isScalar(node) && (typeof node.value === 'boolean' || BOOLEAN_WORDS.has(String(node.value).toLowerCase())))) {
      c.warn(node, 'hot-parameter-type', `Parameter ${name}: ${flag} should be true or false; Heat reads anything else as false.`);
    }
  }
  const constraints = c.field(def, 'constraints');
  if (constraints === undefined || isNull(constraints)) return standsIn;
  if (!isSeq(constraints)) { c.report(constraints, 'hot-constraint', `Parameter ${name}: constraints must be a list of mappings.`); return standsIn; }
  const before = c.problemCount();
  for (const x of constraints.items) checkConstraint(c, name, known, c.deref(x));
  // Heat's template-validate checks a default against its own constraints (custom ones excepted)
  if (isDefaultOk && known && c.problemCount() === before && !isNull(fallback)) {
    const why = checkDefaultAgainst(known, fallback, constraints.items.map((x) => c.deref(x)), (n) => c.deref(n));
    if (why) c.report(fallback, 'hot-default', `Parameter ${name}: the default breaks its own constraint: ${why}; Heat refuses the template (Invalid default).`);
  }
  return standsIn;
}

/** False (and reported) when the default is not a value of the parameter's type. */
function checkDefaultType(c: HotReader, name: string, type: string, node: unknown): boolean {
  if (isNull(node)) return true;
  const value = isScalar(node) ? node.value : undefined;
  let ok: boolean;
  switch (type) {
    case 'number': ok = typeof value === 'number' || (typeof value === 'string' && NUMBER_TEXT.test(value)); break;
    case 'boolean': ok = typeof value === 'boolean' || value === 0 || value === 1 || (typeof value === 'string' && BOOLEAN_WORDS.has(value.toLowerCase())); break;
    case 'json': ok = isMap(node) || isSeq(node) || (typeof value === 'string' && (value.trim() === '' || isJsonCollection(value))); break;
    case 'comma_delimited_list': ok = !isMap(node); break;
    // Heat turns a list or a mapping given to a string parameter into its text
    default: ok = true;
  }
  if (!ok) c.report(node, 'hot-parameter-type', `Parameter ${name}: the default is not a valid ${type}.`);
  return ok;
}

function checkConstraint(r: HotReader, name: string, type: string | null, c: unknown): void {
  const where = `Parameter ${name}`;
  if (!isMap(c)) { r.report(c, 'hot-constraint', `${where}: each constraint must be a mapping such as {length: {min: 1}}.`); return; }
  const kinds = entries(c).filter((e) => e.name !== 'description');
  const unknown = kinds.filter((e) => !CONSTRAINT_TYPES.has(e.name));
  for (const e of unknown) r.report(e.key, 'hot-constraint', `${where}: "${e.name}" is not a constraint; use one of ${[...CONSTRAINT_TYPES.keys()].join(', ')}.`);
  if (unknown.length > 0) return;
  const [kind, extra] = kinds;
  if (!kind || extra) { r.report(extra?.key ?? c, 'hot-constraint', `${where}: each constraint holds exactly one kind (and an optional description).`); return; }
  const valid = CONSTRAINT_TYPES.get(kind.name);
  if (type && valid && !valid.has(type)) {
    r.report(kind.key, 'hot-constraint', `${where}: a ${kind.name} constraint does not apply to a ${type} parameter (only to ${[...valid].join(', ')}).`);
  }
  const value = r.deref(kind.value);
  const bad = (why: string) => r.report(isNull(value) ? kind.key : value, 'hot-constraint', `${where}: ${kind.name} ${why}.`);
  switch (kind.name) {
    case 'length': case 'range': {
      const bounds = boundsOf(value, ['min', 'max'], kind.name === 'length');
      if (typeof bounds === 'string') bad(bounds);
      else if (bounds.min === undefined && bounds.max === undefined) bad('needs min, max or both');
      else if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) bad('has min greater than max');
      break;
    }
    case 'modulo': {
      const b = boundsOf(value, ['step', 'offset'], true);
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
function boundsOf(node: unknown, keys: readonly string[], isInteger: boolean): Record<string, number | undefined> | string {
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

function isJsonCollection(text: string): boolean {
  try { const v: unknown = JSON.parse(text); return typeof v === 'object' && v !== null; } catch { return false; }
}
