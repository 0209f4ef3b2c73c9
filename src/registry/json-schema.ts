// A JSON Schema (draft 2020-12) validator for exactly the keywords the manifest schema uses; any other keyword is refused.

/** A JSON Schema object, as far as this validator reads one. */
export type JsonSchema = { readonly [keyword: string]: unknown };

type PathPart = string | number;

/** Where a violation is: a path into the value, and whether it is the key at that path rather than its value. */
interface At {
  readonly path: readonly PathPart[];
  readonly onKey: boolean;
  /** How a person names it: `keywords[2]`, `authors[0].email`, `key "x" of metadata`. */
  readonly label: string;
}

/** One broken rule of the schema, located in the validated value. */
export interface SchemaViolation extends At {
  readonly message: string;
}

type Check = (value: unknown, arg: unknown, schema: JsonSchema, at: At, out: SchemaViolation[]) => void;

interface Keyword {
  readonly check: Check;
  /** The subschemas under this keyword, for the load-time walk. */
  readonly subschemas?: (arg: unknown) => unknown[];
}

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples']);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const FORMATS = new Set(['uri']);

const KEYWORDS: Readonly<Record<string, Keyword>> = {
  type: { check: () => undefined }, // checked first by validateAt(), which stops at a wrong type
  properties: {
    check: (v, arg, _s, at, out) => {
      if (!isPlainObject(v)) return;
      for (const [k, sub] of Object.entries(arg as Record<string, JsonSchema>)) {
        if (Object.hasOwn(v, k)) validateAt(sub, v[k], child(at, k), out);
      }
    },
    subschemas: (arg) => Object.values(arg as object),
  },
  required: {
    check: (v, arg, _s, at, out) => {
      if (!isPlainObject(v)) return;
      for (const k of arg as string[]) if (!Object.hasOwn(v, k)) out.push({ ...at, message: `${child(at, k).label} is required` });
    },
  },
  additionalProperties: {
    check: (v, arg, s, at, out) => {
      if (!isPlainObject(v)) return;
      const known = Object.keys((s.properties ?? {}) as object);
      for (const k of Object.keys(v)) {
        if (known.includes(k)) continue;
        if (arg === false) {
          const near = nearest(k, known);
          out.push({ ...child(at, k), onKey: true, message: `${child(at, k).label} is not an allowed key${near ? ` (did you mean ${near}?)` : ''}; the keys are ${known.join(', ')}` });
        } else if (isPlainObject(arg)) {
          validateAt(arg, v[k], child(at, k), out);
        }
      }
    },
    subschemas: (arg) => (isPlainObject(arg) ? [arg] : []),
  },
  propertyNames: {
    check: (v, arg, _s, at, out) => {
      if (!isPlainObject(v)) return;
      for (const k of Object.keys(v)) validateAt(arg as JsonSchema, k, { path: [...at.path, k], onKey: true, label: `key ${JSON.stringify(k)}${at.label ? ` of ${at.label}` : ''}` }, out);
    },
    subschemas: (arg) => [arg],
  },
  maxProperties: {
    check: (v, arg, _s, at, out) => {
      if (isPlainObject(v) && Object.keys(v).length > (arg as number)) out.push({ ...at, message: `${at.label} may have at most ${String(arg)} entries (it has ${Object.keys(v).length})` });
    },
  },
  items: {
    check: (v, arg, _s, at, out) => {
      if (Array.isArray(v)) v.forEach((x, i) => validateAt(arg as JsonSchema, x, child(at, i), out));
    },
    subschemas: (arg) => [arg],
  },
  maxItems: {
    check: (v, arg, _s, at, out) => {
      if (Array.isArray(v) && v.length > (arg as number)) out.push({ ...at, message: `${at.label} may have at most ${String(arg)} items (it has ${v.length})` });
    },
  },
  uniqueItems: {
    check: (v, arg, _s, at, out) => {
      if (arg !== true || !Array.isArray(v)) return;
      firstEqual(v).forEach((first, i) => {
        if (first < i) out.push({ ...child(at, i), message: `${child(at, i).label} repeats ${child(at, first).label}; items must be unique` });
      });
    },
  },
  minLength: {
    check: (v, arg, _s, at, out) => {
      if (typeof v === 'string' && length(v) < (arg as number)) out.push({ ...at, message: `${at.label} must be at least ${String(arg)} character${arg === 1 ? '' : 's'} long` });
    },
  },
  maxLength: {
    check: (v, arg, _s, at, out) => {
      if (typeof v === 'string' && length(v) > (arg as number)) out.push({ ...at, message: `${at.label} may be at most ${String(arg)} characters long (it has ${length(v)})` });
    },
  },
  pattern: {
    check: (v, arg, s, at, out) => {
      // a schema's title, when it has one, says in words what an opaque pattern means
      if (typeof v === 'string' && !regex(arg as string).test(v)) out.push({ ...at, message: typeof s.title === 'string' ? `${at.label} must be ${s.title}` : `${at.label} must match ${String(arg)}` });
    },
  },
  format: {
    check: (v, _arg, _s, at, out) => {
      if (typeof v === 'string' && !isHttpUrl(v)) out.push({ ...at, message: `${at.label} must be an http or https URL` });
    },
  },
  anyOf: {
    check: (v, arg, _s, at, out) => {
      const branches = arg as JsonSchema[];
      const failures = branches.map((b) => { const o: SchemaViolation[] = []; validateAt(b, v, at, o); return o; });
      if (failures.some((f) => f.length === 0)) return;
      // when the value's type picks exactly one branch, that branch's own problems are the precise ones
      const typed = branches.map((b, i) => [b, i] as const).filter(([b]) => typeof b.type === 'string' && jsonType(v) === b.type);
      if (typed.length === 1) { out.push(...(failures[typed[0]?.[1] ?? 0] ?? [])); return; }
      const titles = branches.map((b) => b.title);
      out.push({ ...at, message: titles.every((t) => typeof t === 'string')
        ? `${at.label} must be ${titles.join(' or ')}`
        : `${at.label} must satisfy one of: ${failures.map((f) => f[0]?.message).join('; or ')}` });
    },
    subschemas: (arg) => arg as unknown[],
  },
};

/** The JSON Schema type name of a value ('integer' counts as 'number'). */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * Every violation of `schema` by `value` (a JSON-like value), in schema order. Throws a plain
 * Error when the schema uses a keyword, type or format this validator does not implement.
 */
export function validateJson(schema: JsonSchema, value: unknown): SchemaViolation[] {
  assertSupported(schema);
  const out: SchemaViolation[] = [];
  validateAt(schema, value, { path: [], onKey: false, label: '' }, out);
  return out;
}

const supported = new WeakSet<object>();

/** Throws unless every keyword of `schema` and of its subschemas is one this file implements. */
export function assertSupported(schema: unknown, where = '#'): void {
  if (typeof schema === 'object' && schema !== null && supported.has(schema)) return;
  if (!isPlainObject(schema)) throw new Error(`schema at ${where} is not an object`);
  for (const [k, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    const kw = keyword(k);
    if (!kw) throw new Error(`schema at ${where} uses "${k}", which the manifest validator does not implement`);
    if (k === 'type' && !(typeof arg === 'string' && TYPES.has(arg))) throw new Error(`schema at ${where} has an unsupported type ${JSON.stringify(arg)}`);
    if (k === 'format' && !(typeof arg === 'string' && FORMATS.has(arg))) throw new Error(`schema at ${where} has an unsupported format ${JSON.stringify(arg)}`);
    if (k === 'pattern') regex(arg as string);
    (kw.subschemas?.(arg) ?? []).forEach((sub, i) => assertSupported(sub, `${where}/${k}/${i}`));
  }
  supported.add(schema);
}

function validateAt(schema: JsonSchema, value: unknown, at: At, out: SchemaViolation[]): void {
  if (typeof schema.type === 'string' && !hasType(value, schema.type)) {
    out.push({ ...at, message: `${at.label || 'the document'} must be ${article(schema.type)} (it is ${article(typeOf(value))})` });
    return; // the other keywords would only repeat the same mistake
  }
  for (const [k, arg] of Object.entries(schema)) keyword(k)?.check(value, arg, schema, at, out);
}

function keyword(name: string): Keyword | undefined {
  return Object.hasOwn(KEYWORDS, name) ? KEYWORDS[name] : undefined;
}

function child(at: At, key: PathPart): At {
  const label = typeof key === 'number' ? `${at.label}[${key}]`
    : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? (at.label ? `${at.label}.${key}` : key)
      : `${at.label}[${JSON.stringify(key)}]`;
  return { path: [...at.path, key], onKey: false, label };
}

function hasType(v: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(v);
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeOf(v) === type;
}

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (isPlainObject(v)) return 'object';
  return typeof v;
}

// YAML words for JSON types: a person writing heater.yaml thinks in mappings and lists.
export function article(type: string): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', null: 'null' };
  return words[type] ?? type;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

// JSON Schema counts code points, not UTF-16 units.
function length(s: string): number {
  return [...s].length;
}

const regexes = new Map<string, RegExp>();
function regex(source: string): RegExp {
  let r = regexes.get(source);
  if (!r) { r = new RegExp(source, 'u'); regexes.set(source, r); }
  return r;
}

function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\//i.test(s)) return false; // URL() also "fixes" `http:/x` and `http:x`
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch { return false; }
}

/** For each item, the index of the first item equal to it: linear for scalars, which is what lists here hold. */
export function firstEqual(items: readonly unknown[]): number[] {
  const seen = new Map<string, number>();
  const objects: number[] = [];
  return items.map((x, i) => {
    if (typeof x === 'object' && x !== null) {
      const first = objects.find((j) => sameValue(items[j], x));
      if (first !== undefined) return first;
      objects.push(i);
      return i;
    }
    const key = `${typeof x}:${String(x)}`;
    const first = seen.get(key);
    if (first !== undefined) return first;
    seen.set(key, i);
    return i;
  });
}

// Deep equality for uniqueItems; parsed YAML can hold cycles through aliases, hence the depth cap.
function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (depth > 32 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1));
}

// The allowed key closest to a typo, when it is close enough to be the one meant.
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
