// A parameter's default against its own constraints, as Heat's template-validate checks it
// (heat/engine/parameters.py Schema._validate_default, heat/engine/constraints.py *._is_valid).
import { isMap, isScalar, isSeq } from 'yaml';

/** A default as Python holds it after PyYAML: the constraint checks below follow Python's rules on it. */
type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

function toPy(node: unknown, deref: (n: unknown) => unknown): PyValue {
  const n = deref(node);
  if (isScalar(n)) {
    const v = n.value;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  }
  if (isSeq(n)) return n.items.map((i) => toPy(i, deref));
  if (isMap(n)) return Object.fromEntries(n.items.map((p) => [String(isScalar(p.key) ? p.key.value : ''), toPy(p.value, deref)]));
  return null;
}

/** Python's str() of a scalar. */
function pyStr(v: PyValue): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Python's `==` between two scalars (numbers and booleans compare by value, strings only with strings). */
function pyEq(a: PyValue, b: PyValue): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return Number(a) === Number(b);
  return a === b;
}

/** constraints.Schema.str_to_num: a number, or the Python error for what is not one. */
function strToNum(v: PyValue): number | string {
  if (typeof v === 'number' || typeof v === 'boolean') return Number(v);
  if (typeof v !== 'string') return `${pyStr(v)} is not a number`;
  const t = v.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(t) || /^[+-]?(?:inf|infinity|nan)$/i.test(t)) return Number(t.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  return `could not convert string to float: '${v}'`;
}

/** Python's len(); null when the value has none. */
function pyLen(v: PyValue): number | null {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  return null;
}

function bound(map: Record<string, PyValue>, key: string): number | null {
  const v = map[key];
  return typeof v === 'number' ? v : null;
}

/** The value a parameter type's schema compares (Schema.to_schema_type), or undefined when it has none. */
function schemaValue(type: string, v: PyValue): PyValue | undefined {
  if (type === 'number') { const n = strToNum(v); return typeof n === 'number' ? n : undefined; }
  if (type === 'string') return pyStr(v);
  if (type === 'boolean') {
    const s = pyStr(v).toLowerCase();
    if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
    if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
    return undefined;
  }
  return v;
}

/**
 * The first constraint of `constraints` (YAML nodes, already well formed) that the default
 * breaks, as a phrase, or null when it keeps them all. Custom constraints are not checked, as in
 * Heat (they need the cloud). `type` is the parameter's type.
 */
export function checkDefault(type: string, defaultNode: unknown, constraints: readonly unknown[], deref: (n: unknown) => unknown): string | null {
  let value = toPy(defaultNode, deref);
  if (type === 'comma_delimited_list') value = Array.isArray(value) ? value.map(pyStr) : typeof value === 'string' ? value.split(',') : value;
  for (const node of constraints) {
    const c = toPy(node, deref);
    if (c === null || typeof c !== 'object' || Array.isArray(c)) continue;
    const why = breaks(type, value, c);
    if (why) return why;
  }
  return null;
}

function breaks(type: string, value: PyValue, c: Record<string, PyValue>): string | null {
  const shown = pyStr(value);
  if ('length' in c || 'range' in c) {
    const isLength = 'length' in c;
    const spec = (isLength ? c.length : c.range) as Record<string, PyValue>;
    const n = isLength ? pyLen(value) : strToNum(value);
    if (n === null) return `length: ${shown} has no length`;
    if (typeof n === 'string') return n;
    const min = bound(spec, 'min');
    const max = bound(spec, 'max');
    if ((min !== null && n < min) || (max !== null && n > max)) return `${isLength ? `length (${n})` : n} is out of range (min: ${min ?? 'None'}, max: ${max ?? 'None'})`;
    return null;
  }
  if ('modulo' in c) {
    const spec = c.modulo as Record<string, PyValue>;
    const n = strToNum(value);
    const step = bound(spec, 'step');
    const offset = bound(spec, 'offset');
    if (typeof n === 'string') return n;
    // Python's % takes the divisor's sign
    if (step !== null && offset !== null && ((n % step) + step) % step !== offset) return `${n} is not a multiple of ${step} with an offset of ${offset}`;
    return null;
  }
  if ('allowed_values' in c) {
    const allowed = Array.isArray(c.allowed_values) ? c.allowed_values : [];
    const isAllowed = Array.isArray(value)
      ? value.every((v) => allowed.some((a) => pyEq(v, a)))
      : ((v) => v !== undefined && allowed.some((a) => { const s = schemaValue(type, a); return s !== undefined && pyEq(v, s); }))(schemaValue(type, value));
    return isAllowed ? null : `${JSON.stringify(value)} is not an allowed value ${JSON.stringify(allowed)}`;
  }
  if ('allowed_pattern' in c && typeof c.allowed_pattern === 'string') {
    if (typeof value !== 'string') return `${shown} is not a string, so it cannot match pattern "${c.allowed_pattern}"`;
    const re = pythonRegex(c.allowed_pattern);
    if (!re) return null; // a pattern that does not compile is reported as a constraint problem
    // re.match anchors at the start only; Heat then requires the match to end at the end
    const m = re.exec(value);
    return m && m.index === 0 && m[0].length === value.length ? null : `"${value}" does not match pattern "${c.allowed_pattern}"`;
  }
  return null;
}

/** Python `re` syntax turned into JavaScript's where they differ but mean the same: the source and flags. */
export function pythonRegexParts(pattern: string): { source: string; flags: string } {
  let flags = '';
  let source = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    flags = [...new Set((inline[1] ?? '').replace(/[^ims]/g, ''))].join('');
  }
  // JavaScript has no (?P<name>), (?P=name) or (?#comment); \A and \Z mean start and end in Python.
  source = source.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\(\?#[^)]*\)/g, '').replace(/\\A/g, '^').replace(/\\Z/g, '$');
  return { source, flags };
}

/** A RegExp that behaves as Python's `re.match(pattern)` (anchored at the start); null when it does not compile. */
export function pythonRegex(pattern: string): RegExp | null {
  const { source, flags } = pythonRegexParts(pattern);
  try { return new RegExp(`^(?:${source})`, flags); } catch { return null; }
}
