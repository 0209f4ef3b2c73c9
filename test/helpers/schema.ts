// A small JSON Schema checker for docs/openapi.yaml: the keywords the document uses, and an error for any other.

export interface Ref { readonly $ref: string }
export type Schema = Readonly<Record<string, unknown>>;

export function isRef(x: unknown): x is Ref {
  return typeof x === 'object' && x !== null && typeof (x as { $ref?: unknown }).$ref === 'string';
}

const CHECKED = new Set([
  '$ref', 'type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items', 'pattern', 'minLength', 'maxLength',
  'minimum', 'maximum', 'format', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'allOf', 'anyOf', 'oneOf',
]);
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'default', 'readOnly', 'writeOnly', 'deprecated']);
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'array': return Array.isArray(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: throw new Error(`unknown type ${type}`);
  }
}

/** Checks values against the schemas of one document (`root`), whose local `$ref`s it follows. */
export class SchemaChecker {
  constructor(private readonly root: unknown) {}

  /** The value a local JSON pointer (`#/components/...`) names in the document. */
  pointer(ref: string): unknown {
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
    let cur: unknown = this.root;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      if (typeof cur !== 'object' || cur === null || !(key in cur)) throw new Error(`unresolved $ref ${ref}`);
      cur = (cur as Record<string, unknown>)[key];
    }
    return cur;
  }

  /** Follows $refs (of parameters, responses, headers, schemas) to the object they name. */
  deref<T>(x: T | Ref): T {
    let cur: unknown = x;
    for (let hops = 0; isRef(cur); hops++) {
      if (hops > 20) throw new Error(`$ref cycle at ${cur.$ref}`);
      cur = this.pointer(cur.$ref);
    }
    return cur as T;
  }

  /** Throws for a keyword the checker would silently ignore, anywhere in `schema`. */
  assertCheckable(schema: Schema, at: string): void {
    for (const [k, v] of Object.entries(schema)) {
      if (!CHECKED.has(k) && !ANNOTATIONS.has(k)) throw new Error(`${at}: the schema checker does not understand "${k}"; teach it or drop the keyword`);
      if (k === 'format' && v !== 'date-time') throw new Error(`${at}: format ${String(v)} is not checked`);
      if (k === 'properties') for (const [name, s] of Object.entries(v as Record<string, Schema>)) this.assertCheckable(s, `${at}.${name}`);
      if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object' && v !== null) this.assertCheckable(v as Schema, `${at}[]`);
      if ((COMBINATORS as readonly string[]).includes(k)) {
        if (!Array.isArray(v) || v.length === 0) throw new Error(`${at}: ${k} must be a non-empty list of schemas`);
        v.forEach((s, i) => this.assertCheckable(s as Schema, `${at}.${k}[${i}]`));
      }
      if (k === '$ref') this.pointer(v as string);
    }
  }

  /**
   * Every violation of `schema` by `value`, one message each. With `strict`, an object property
   * the schema does not declare is an error too: the server must not send fields the document
   * does not describe (the document itself stays open). Properties declared by any branch of an
   * `allOf` (and the `$ref`s it names) count as declared for every branch.
   */
  errors(schema: Schema, value: unknown, strict = true): string[] {
    const out: string[] = [];
    this.validate(schema, value, '$', out, strict, new Set());
    return out;
  }

  /** Property names `schema` declares: its own, its `$ref` target's and its `allOf` branches'. */
  private declared(schema: Schema, seen = new Set<Schema>()): Set<string> {
    const names = new Set<string>();
    if (seen.has(schema)) return names;
    seen.add(schema);
    for (const n of Object.keys((schema.properties ?? {}) as object)) names.add(n);
    if (typeof schema.$ref === 'string') for (const n of this.declared(this.pointer(schema.$ref) as Schema, seen)) names.add(n);
    for (const s of (schema.allOf ?? []) as Schema[]) for (const n of this.declared(s, seen)) names.add(n);
    return names;
  }

  private validate(schema: Schema, value: unknown, at: string, errors: string[], strict: boolean, inherited: ReadonlySet<string>): void {
    // What this schema's $ref and allOf branches may see as declared: everything declared at this level.
    const shared = typeof schema.$ref === 'string' || Array.isArray(schema.allOf) ? new Set([...inherited, ...this.declared(schema)]) : inherited;
    if (typeof schema.$ref === 'string') this.validate(this.pointer(schema.$ref) as Schema, value, at, errors, strict, shared);
    for (const s of (schema.allOf ?? []) as Schema[]) this.validate(s, value, at, errors, strict, shared);
    for (const k of ['anyOf', 'oneOf'] as const) {
      const branches = schema[k] as Schema[] | undefined;
      if (!branches) continue;
      const results = branches.map((s) => { const e: string[] = []; this.validate(s, value, at, e, strict, inherited); return e; });
      const passed = results.filter((e) => e.length === 0).length;
      if (k === 'anyOf' ? passed === 0 : passed !== 1) {
        errors.push(`${at}: ${JSON.stringify(value)} matches ${passed} of the ${k} branches (${k === 'anyOf' ? 'at least' : 'exactly'} one needed): ${results.map((e) => e[0] ?? 'ok').join(' | ')}`);
      }
    }
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => typeOk(t, value))) { errors.push(`${at}: ${JSON.stringify(value)} is not ${types.join(' or ')}`); return; }
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
    if ('const' in schema && schema.const !== value) errors.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
    if (typeof value === 'string') {
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${at}: "${value}" does not match ${schema.pattern}`);
      if (typeof schema.minLength === 'number' && [...value].length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
      if (typeof schema.maxLength === 'number' && [...value].length > schema.maxLength) errors.push(`${at}: longer than ${schema.maxLength}`);
      if (schema.format === 'date-time' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) errors.push(`${at}: "${value}" is not an RFC 3339 date-time`);
    }
    if (typeof value === 'number') {
      if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${at}: ${value} < ${schema.minimum}`);
      if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${at}: ${value} > ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${at}: more than ${schema.maxItems} items`);
      if (schema.items !== undefined) value.forEach((v, i) => this.validate(schema.items as Schema, v, `${at}[${i}]`, errors, strict, new Set()));
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) this.validateObject(schema, value as Record<string, unknown>, at, errors, strict, inherited);
  }

  private validateObject(schema: Schema, obj: Record<string, unknown>, at: string, errors: string[], strict: boolean, inherited: ReadonlySet<string>): void {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    const count = Object.keys(obj).length;
    if (typeof schema.minProperties === 'number' && count < schema.minProperties) errors.push(`${at}: fewer than ${schema.minProperties} properties`);
    if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) errors.push(`${at}: more than ${schema.maxProperties} properties`);
    if (Array.isArray(schema.required)) for (const r of schema.required as string[]) if (!(r in obj)) errors.push(`${at}: required property "${r}" is missing`);
    for (const [k, v] of Object.entries(obj)) {
      const s = props[k];
      if (s) { this.validate(s, v, `${at}.${k}`, errors, strict, new Set()); continue; }
      const extra = schema.additionalProperties;
      if (extra === false || (strict && extra === undefined && schema.properties !== undefined && !inherited.has(k))) errors.push(`${at}: property "${k}" is not documented`);
      else if (typeof extra === 'object' && extra !== null) this.validate(extra as Schema, v, `${at}.${k}`, errors, strict, new Set());
    }
  }
}
