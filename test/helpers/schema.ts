// A small JSON Schema checker for docs/openapi.yaml: the keywords the document uses, and an error for any other;
// and OpenApiContract, which calls a live server and checks each answer against the document.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

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

// ---------------------------------------------------------------------------------------------
// The parts of OpenAPI 3.1 the contract tests read.

export interface Parameter {
  readonly name: string; readonly in: 'path' | 'query' | 'header' | 'cookie'; readonly required?: boolean; readonly schema?: Schema;
  readonly 'x-heater-rest-of-path'?: boolean;
  /** A family of query parameters (`meta.KEY`): the names this pattern matches. */
  readonly 'x-heater-name-pattern'?: string;
  readonly example?: unknown;
}
export interface Header { readonly required?: boolean; readonly schema?: Schema }
export interface MediaType { readonly schema?: Schema }
export interface ResponseObject { readonly description: string; readonly headers?: Readonly<Record<string, Header | Ref>>; readonly content?: Readonly<Record<string, MediaType>> }
export interface Operation {
  readonly operationId?: string; readonly parameters?: readonly (Parameter | Ref)[]; readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Readonly<Record<string, MediaType>> }; readonly responses: Readonly<Record<string, ResponseObject | Ref>>;
}
export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type Method = (typeof METHODS)[number];
export type PathItem = { readonly parameters?: readonly (Parameter | Ref)[] } & Partial<Readonly<Record<Method, Operation>>>;
export interface OpenApi {
  readonly openapi: string; readonly info: { readonly title: string; readonly version: string }; readonly paths: Readonly<Record<string, PathItem>>;
  readonly components: { readonly schemas: Readonly<Record<string, Schema>>; readonly securitySchemes?: Readonly<Record<string, { readonly type: string; readonly scheme?: string }>> };
  readonly 'x-heater-internal-routes'?: readonly { readonly method: string; readonly path: string }[];
}
export interface DocOperation { readonly method: Method; readonly path: string; readonly op: Operation; readonly parameters: readonly Parameter[] }
export interface Checked { readonly status: number; readonly headers: Headers; readonly body: Buffer; readonly json: unknown }

/** The concrete URL path for a documented path: `{x}` from `params`; the rest-of-path one keeps its slashes. */
export function fill(docPath: string, params: Readonly<Record<string, string>>): string {
  return docPath.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no sample value for {${name}} in ${docPath}`);
    return name === 'path' ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
  });
}

/** `application/json; charset=utf-8` matches the key `application/json`; keys with parameters match exactly. */
export function mediaKey(content: Readonly<Record<string, MediaType>>, contentType: string): string | undefined {
  const exact = Object.keys(content).find((k) => k.toLowerCase() === contentType.toLowerCase());
  if (exact) return exact;
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return Object.keys(content).find((k) => !k.includes(';') && k.toLowerCase() === essence);
}

/**
 * A query value or header as its schema types it: a number for `integer`, true/false for
 * `boolean`, the comma-separated items of one occurrence for `array`; otherwise the text.
 */
function typedValue(schema: Schema, value: string): unknown {
  switch (schema.type) {
    case 'integer': return value.trim() === '' ? value : Number(value);
    case 'boolean': return value === 'true' ? true : value === 'false' ? false : value;
    case 'array': return value.split(',');
    default: return value;
  }
}

/** docs/openapi.yaml, and a live server checked against it. */
export class OpenApiContract {
  readonly doc: OpenApi;
  readonly checker: SchemaChecker;

  constructor(raw: unknown) {
    this.doc = raw as OpenApi;
    this.checker = new SchemaChecker(raw);
  }

  static load(file: string): OpenApiContract {
    return new OpenApiContract(parse(readFileSync(file, 'utf8')));
  }

  deref<T>(x: T | Ref): T { return this.checker.deref(x); }

  /** The errors of `value` against `schema` (strict: undocumented properties are errors). */
  schemaErrors(schema: Schema, value: unknown): string[] { return this.checker.errors(schema, value); }

  /** A component schema by name; throws when there is none. */
  schema(name: string): Schema {
    const s = this.doc.components.schemas[name];
    if (!s) throw new Error(`components.schemas.${name} is not documented`);
    return s;
  }

  /** Every operation of the document, with path-level and operation-level parameters merged. */
  operations(): DocOperation[] {
    const out: DocOperation[] = [];
    for (const [p, item] of Object.entries(this.doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const params = new Map<string, Parameter>();
        for (const x of [...(item.parameters ?? []), ...(op.parameters ?? [])]) { const prm = this.deref(x); params.set(`${prm.in}:${prm.name}`, prm); }
        out.push({ method, path: p, op, parameters: [...params.values()] });
      }
    }
    return out;
  }

  /**
   * Sends a request to `base` for a documented operation and checks the answer against it: the
   * status is documented, required headers are there and match, `Heater-*` headers are
   * documented, the content type is one listed, and a JSON body validates (strictly) against
   * its schema. Throws with every mismatch.
   */
  async call(base: string, method: Method, docPath: string, url: string, init: RequestInit = {}): Promise<Checked> {
    const op = this.doc.paths[docPath]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${docPath} is not documented`);
    const res = await fetch(`${base}${url}`, { ...init, method: method.toUpperCase(), redirect: 'manual' });
    const body = Buffer.from(await res.arrayBuffer());
    const at = `${method.toUpperCase()} ${url} -> ${res.status}`;
    const documented = op.responses[String(res.status)];
    if (!documented) throw new Error(`${at}: status ${res.status} is not documented for ${method.toUpperCase()} ${docPath} (body: ${body.toString('utf8').slice(0, 300)})`);
    const response = this.deref(documented);
    const errors: string[] = res.ok ? this.requestErrors(method, docPath, url, init) : [];
    const documentedHeaders = Object.keys(response.headers ?? {}).map((h) => h.toLowerCase());
    for (const [name] of res.headers) if (name.startsWith('heater-') && !documentedHeaders.includes(name)) errors.push(`header ${name} is sent but not documented`);
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const header = this.deref(h);
      const value = res.headers.get(name);
      if (value === null) { if (header.required) errors.push(`header ${name} is missing`); continue; }
      if (header.schema) errors.push(...this.schemaErrors(header.schema, typedValue(this.deref(header.schema as Schema | Ref), value)).map((e) => `header ${name}: ${e}`));
    }
    let json: unknown;
    if (method !== 'head' && res.status !== 204 && res.status !== 304) {
      const contentType = res.headers.get('content-type') ?? '';
      const content = response.content ?? {};
      const k = mediaKey(content, contentType);
      if (k === undefined) errors.push(`content type "${contentType}" is not one of ${JSON.stringify(Object.keys(content))}`);
      const schema = k === undefined ? undefined : content[k]?.schema;
      if (schema) {
        json = JSON.parse(body.toString('utf8'));
        errors.push(...this.schemaErrors(schema, json));
      }
    } else if (body.length > 0) {
      errors.push(`a ${res.status} answer to ${method.toUpperCase()} has a body of ${body.length} bytes`);
    }
    if (errors.length > 0) throw new Error(`${at} does not match docs/openapi.yaml:\n  ${errors.join('\n  ')}`);
    return { status: res.status, headers: res.headers, body, json };
  }

  /**
   * What is wrong with a request the server accepted, by the document: query parameters it does not
   * declare or whose values break their schema, a body type it does not list, a JSON body off schema.
   * (Refused requests are not checked: the error tests send broken ones on purpose.)
   */
  requestErrors(method: Method, docPath: string, url: string, init: RequestInit): string[] {
    const errors: string[] = [];
    const o = this.operations().find((x) => x.method === method && x.path === docPath);
    for (const [name, value] of new URL(url, 'http://x').searchParams) {
      const prm = o?.parameters.find((x) => x.in === 'query' && (x.name === name || (x['x-heater-name-pattern'] !== undefined && new RegExp(x['x-heater-name-pattern']).test(name))));
      if (!prm) errors.push(`request: query parameter ${name} is not documented`);
      else if (prm.schema) errors.push(...this.schemaErrors(prm.schema, typedValue(this.deref(prm.schema as Schema | Ref), value)).map((e) => `request ?${name}: ${e}`));
    }
    if (init.body === undefined) return errors;
    const type = new Headers(init.headers).get('content-type') ?? '';
    const content = o?.op.requestBody?.content ?? {};
    const k = mediaKey(content, type);
    if (k === undefined) errors.push(`request: content type "${type}" is not one of ${JSON.stringify(Object.keys(content))}`);
    const schema = k === undefined ? undefined : content[k]?.schema;
    if (schema && typeof init.body === 'string') errors.push(...this.schemaErrors(schema, JSON.parse(init.body)).map((e) => `request body: ${e}`));
    return errors;
  }
}
