// docs/openapi.yaml against the server: every route documented, every documented route served, bodies as described.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import express, { Router, type Express } from 'express';
import { parse } from 'yaml';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

// ---------------------------------------------------------------------------------------------
// The parts of OpenAPI 3.1 this test reads.

interface Ref { readonly $ref: string }
type Schema = Readonly<Record<string, unknown>>;
interface Parameter { readonly name: string; readonly in: 'path' | 'query' | 'header' | 'cookie'; readonly required?: boolean; readonly schema?: Schema; readonly 'x-heater-rest-of-path'?: boolean }
interface Header { readonly required?: boolean; readonly schema?: Schema }
interface MediaType { readonly schema?: Schema }
interface ResponseObject { readonly description: string; readonly headers?: Readonly<Record<string, Header | Ref>>; readonly content?: Readonly<Record<string, MediaType>> }
interface Operation {
  readonly operationId?: string;
  readonly parameters?: readonly (Parameter | Ref)[];
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly responses: Readonly<Record<string, ResponseObject | Ref>>;
}
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];
type PathItem = { readonly parameters?: readonly (Parameter | Ref)[] } & Partial<Readonly<Record<Method, Operation>>>;
interface OpenApi {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, Schema>>;
    readonly securitySchemes?: Readonly<Record<string, { readonly type: string; readonly scheme?: string }>>;
  };
  readonly 'x-heater-internal-routes'?: readonly { readonly method: string; readonly path: string }[];
}

const raw: unknown = parse(readFileSync(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'), 'utf8'));
const doc = raw as OpenApi;

function isRef(x: unknown): x is Ref {
  return typeof x === 'object' && x !== null && typeof (x as { $ref?: unknown }).$ref === 'string';
}

/** The value a local JSON pointer (`#/components/...`) names in the document. */
function pointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let cur: unknown = raw;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof cur !== 'object' || cur === null || !(key in cur)) throw new Error(`unresolved $ref ${ref}`);
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Follows $refs (of parameters, responses, headers) to the object they name. */
function deref<T>(x: T | Ref): T {
  let cur: unknown = x;
  for (let hops = 0; isRef(cur); hops++) {
    if (hops > 20) throw new Error(`$ref cycle at ${cur.$ref}`);
    cur = pointer(cur.$ref);
  }
  return cur as T;
}

interface DocOperation { readonly method: Method; readonly path: string; readonly op: Operation; readonly parameters: readonly Parameter[] }

/** Every operation of the document, with path-level and operation-level parameters merged. */
function operations(): DocOperation[] {
  const out: DocOperation[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = new Map<string, Parameter>();
      for (const x of [...(item.parameters ?? []), ...(op.parameters ?? [])]) { const prm = deref(x); params.set(`${prm.in}:${prm.name}`, prm); }
      out.push({ method, path: p, op, parameters: [...params.values()] });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A small JSON Schema checker: the keywords docs/openapi.yaml uses, and an error for any other.

const CHECKED = new Set(['$ref', 'type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'format']);
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'default', 'readOnly', 'writeOnly', 'deprecated']);
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Throws for a keyword the checker would silently ignore, anywhere in `schema`. */
function assertCheckable(schema: Schema, at: string): void {
  for (const [k, v] of Object.entries(schema)) {
    if (!CHECKED.has(k) && !ANNOTATIONS.has(k)) throw new Error(`${at}: the schema checker does not understand "${k}"; teach it or drop the keyword`);
    if (k === 'format' && v !== 'date-time') throw new Error(`${at}: format ${String(v)} is not checked`);
    if (k === 'properties') for (const [name, s] of Object.entries(v as Record<string, Schema>)) assertCheckable(s, `${at}.${name}`);
    if ((k === 'items' || k === 'additionalProperties') && typeof v === 'object' && v !== null) assertCheckable(v as Schema, `${at}[]`);
    if (k === '$ref') pointer(v as string);
  }
}

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

/**
 * Validates `value` against `schema`, pushing one message per violation to `errors`.
 * With `strict`, an object property the schema does not declare is an error too: the server
 * must not send fields the document does not describe (the document itself stays open).
 */
function validate(schema: Schema, value: unknown, at: string, errors: string[], strict: boolean): void {
  if (typeof schema.$ref === 'string') validate(pointer(schema.$ref) as Schema, value, at, errors, strict);
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
  if (Array.isArray(value) && schema.items !== undefined) value.forEach((v, i) => validate(schema.items as Schema, v, `${at}[${i}]`, errors, strict));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    if (Array.isArray(schema.required)) for (const r of schema.required as string[]) if (!(r in obj)) errors.push(`${at}: required property "${r}" is missing`);
    for (const [k, v] of Object.entries(obj)) {
      const s = props[k];
      if (s) { validate(s, v, `${at}.${k}`, errors, strict); continue; }
      const extra = schema.additionalProperties;
      if (extra === false || (strict && extra === undefined && schema.properties !== undefined)) errors.push(`${at}: property "${k}" is not documented`);
      else if (typeof extra === 'object' && extra !== null) validate(extra as Schema, v, `${at}.${k}`, errors, strict);
    }
  }
}

function schemaErrors(schema: Schema, value: unknown, strict = true): string[] {
  const errors: string[] = [];
  validate(schema, value, '$', errors, strict);
  return errors;
}

// ---------------------------------------------------------------------------------------------
// The routes the Express app really has, read from its router stack.

interface AppRoute { readonly method: string; readonly path: string; readonly restOfPath: readonly string[] }

interface RouteLike { readonly path: string | readonly string[]; readonly methods: Readonly<Record<string, boolean>> }
interface LayerLike { readonly route?: RouteLike; readonly handle: { readonly stack?: readonly LayerLike[] }; readonly rawPath?: unknown }

/** Express 5 path (`:ns`, `*path`) to OpenAPI (`{ns}`, `{path}`); wildcard names returned apart. */
function toOpenApiPath(expressPath: string): { path: string; restOfPath: string[] } {
  if (/[{}()?+]/.test(expressPath)) throw new Error(`${expressPath}: optional groups or patterns; expand them in this test before comparing`);
  const restOfPath = [...expressPath.matchAll(/\*([A-Za-z_$][\w$]*)/g)].map((m) => m[1] ?? '');
  return { path: expressPath.replace(/[:*]([A-Za-z_$][\w$]*)/g, '{$1}'), restOfPath };
}

/**
 * Every (method, path) of the app's routes, recursing into mounted routers. Express 5's router
 * keeps `route.path` and `route.methods` on route layers and the mount path as `rawPath` on
 * `use` layers; a router's handle carries its own `stack`. Plain middleware is not a route.
 */
function expressRoutes(stack: readonly LayerLike[], prefix = ''): AppRoute[] {
  const out: AppRoute[] = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = typeof layer.route.path === 'string' ? [layer.route.path] : layer.route.path;
      for (const p of paths) {
        if (typeof p !== 'string') throw new Error(`a route path that is not a string (${String(p)}) cannot be compared with the document`);
        const { path: oaPath, restOfPath } = toOpenApiPath(prefix + p);
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m === '_all' ? '*' : m.toUpperCase(), path: oaPath, restOfPath });
      }
    } else if (Array.isArray(layer.handle.stack)) {
      if (typeof layer.rawPath !== 'string') throw new Error(`a router mounted at ${String(layer.rawPath)}: cannot read its mount path`);
      out.push(...expressRoutes(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath)));
    }
  }
  return out;
}

function routesOf(app: Express): AppRoute[] {
  return expressRoutes((app as unknown as { router: { stack: readonly LayerLike[] } }).router.stack);
}

// The git remote is a middleware matching raw paths (src/http/routes/git.ts), not Express routes.
const GIT_ROUTES = [
  'GET /{ns}/{name}.git/info/refs',
  'POST /{ns}/{name}.git/git-upload-pack',
  'POST /{ns}/{name}.git/git-receive-pack',
];
// Called only by the pre-receive hook of a running push, with that push's secret.
const INTERNAL_ROUTES = ['POST /_heater/hooks/pre-receive'];

const key = (method: string, p: string) => `${method.toUpperCase()} ${p}`;
const isGitPath = (p: string) => /\.git\//.test(p);

/** App routes the document does not describe; an all-methods route (the 405 fallback) needs its path documented. */
function undocumented(routes: readonly AppRoute[]): string[] {
  const documented = new Set(operations().map((o) => key(o.method, o.path)));
  const documentedPaths = new Set(operations().map((o) => o.path));
  return routes.filter((r) => !(r.method === '*' && documentedPaths.has(r.path)))
    .map((r) => key(r.method, r.path)).filter((k) => !documented.has(k) && !INTERNAL_ROUTES.includes(k));
}

/** Documented REST operations the app does not serve; HEAD is served by every GET route (Express does so itself). */
function unserved(routes: readonly AppRoute[]): string[] {
  const served = new Set(routes.map((r) => key(r.method, r.path)));
  return operations().filter((o) => !isGitPath(o.path))
    .map((o) => key(o.method, o.path))
    .filter((k) => !served.has(k) && !(k.startsWith('HEAD ') && served.has(`GET ${k.slice(5)}`)));
}

// ---------------------------------------------------------------------------------------------

describe('docs/openapi.yaml', () => {
  test('is an OpenAPI 3.1 document with info, paths and components', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Problem', 'TemplateSummary', 'TemplateDetail', 'Version', 'Resolution', 'Page']));
    expect(doc.components.securitySchemes).toMatchObject({ bearerAuth: { type: 'http', scheme: 'bearer' }, basicAuth: { type: 'http', scheme: 'basic' } });
  });

  test('every schema uses only keywords the checker enforces, and every $ref resolves', () => {
    for (const [name, s] of Object.entries(doc.components.schemas)) assertCheckable(s, name);
    for (const { method, path: p, op, parameters } of operations()) {
      for (const prm of parameters) if (prm.schema) assertCheckable(prm.schema, `${method} ${p} ${prm.name}`);
      for (const [status, r] of Object.entries(op.responses)) {
        const res = deref(r);
        for (const [h, hd] of Object.entries(res.headers ?? {})) { const s = deref(hd).schema; if (s) assertCheckable(s, `${method} ${p} ${status} ${h}`); }
        for (const [type, mt] of Object.entries(res.content ?? {})) if (mt.schema) assertCheckable(mt.schema, `${method} ${p} ${status} ${type}`);
      }
    }
  });

  test('operation ids are unique, path parameters match the templates, security schemes exist', () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path: p, op, parameters } of operations()) {
      const inTemplate = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = parameters.filter((x) => x.in === 'path').map((x) => { expect(x.required).toBe(true); return x.name; }).sort();
      expect({ op: `${method} ${p}`, params: declared }).toEqual({ op: `${method} ${p}`, params: inTemplate });
      for (const req of op.security ?? []) for (const scheme of Object.keys(req)) expect(Object.keys(doc.components.securitySchemes ?? {})).toContain(scheme);
    }
  });

  test('every error response is application/problem+json with the Problem schema', () => {
    for (const { method, path: p, op } of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const content = deref(r).content ?? {};
        expect({ at: `${method} ${p} ${status}`, types: Object.keys(content) }).toEqual({ at: `${method} ${p} ${status}`, types: ['application/problem+json'] });
        expect(content['application/problem+json']?.schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
  });

  test('the git endpoints and the internal hook are documented as such', () => {
    const gitOps = operations().filter((o) => isGitPath(o.path)).map((o) => key(o.method, o.path)).sort();
    expect(gitOps).toEqual([...GIT_ROUTES].sort());
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/_heater'))).toEqual([]);
    expect((doc['x-heater-internal-routes'] ?? []).map((r) => key(r.method, r.path)).sort()).toEqual([...INTERNAL_ROUTES].sort());
    const push = operations().find((o) => o.op.operationId === 'gitReceivePack');
    expect(push?.op.security).toEqual([{ basicAuth: [] }]);
    for (const id of ['createTemplate', 'deleteTemplate']) expect(operations().find((o) => o.op.operationId === id)?.op.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('the routes of the app and the document', () => {
  let reposDir: string;
  let close: () => Promise<void>;
  let routes: AppRoute[];

  beforeAll(async () => {
    reposDir = await mkdtemp(path.join(os.tmpdir(), 'heater-openapi-'));
    const app = await createApp(testConfig({ reposDir, adminToken: TOKEN }));
    // The http.Server's request listener is the Express app createHttpApp built.
    routes = routesOf(app.express);
    close = app.close;
  });

  afterAll(async () => {
    await close();
    await rm(reposDir, { recursive: true, force: true });
  });

  test('the route walker sees app routes, mounted routers, nested routers and wildcards', () => {
    const app = express();
    const inner = Router();
    inner.get('/deep/*rest', () => undefined);
    const mounted = Router();
    mounted.post('/b/:x', () => undefined);
    mounted.use('/n', inner);
    app.get('/a', () => undefined);
    app.use('/m', mounted);
    expect(routesOf(app)).toEqual([
      { method: 'GET', path: '/a', restOfPath: [] },
      { method: 'POST', path: '/m/b/{x}', restOfPath: [] },
      { method: 'GET', path: '/m/n/deep/{rest}', restOfPath: ['rest'] },
    ]);
  });

  test('the app has the routes this test expects to find', () => {
    const keys = routes.map((r) => key(r.method, r.path));
    expect(keys).toEqual(expect.arrayContaining(['GET /healthz', 'GET /api/v1/templates', ...INTERNAL_ROUTES]));
  });

  test('every Express route is documented', () => {
    expect(undocumented(routes)).toEqual([]);
  });

  test('a route added without documentation is caught', () => {
    const extra: AppRoute = { method: 'PUT', path: '/api/v1/templates/{ns}/{name}', restOfPath: [] };
    expect(undocumented([...routes, extra])).toEqual(['PUT /api/v1/templates/{ns}/{name}']);
  });

  test('every documented REST operation is an Express route', () => {
    expect(unserved(routes)).toEqual([]);
  });

  test('wildcard parameters are documented as the rest of the path', () => {
    const byKey = new Map(operations().map((o) => [key(o.method, o.path), o]));
    for (const r of routes) {
      const o = byKey.get(key(r.method, r.path));
      if (!o) continue;
      const flagged = o.parameters.filter((x) => x.in === 'path' && x['x-heater-rest-of-path'] === true).map((x) => x.name);
      expect({ route: key(r.method, r.path), restOfPath: flagged }).toEqual({ route: key(r.method, r.path), restOfPath: r.restOfPath });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real server: every documented GET called, every body checked against its schema.

interface Checked { readonly status: number; readonly headers: Headers; readonly body: Buffer; readonly json: unknown }

let server: TestServer;
let work: WorkRepo;
const commits: string[] = [];

/** The concrete URL path for a documented path: `{x}` from `params`; the rest-of-path one keeps its slashes. */
function fill(docPath: string, params: Readonly<Record<string, string>>): string {
  return docPath.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no sample value for {${name}} in ${docPath}`);
    return name === 'path' ? v.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(v);
  });
}

/** `application/json; charset=utf-8` matches the key `application/json`; keys with parameters match exactly. */
function mediaKey(content: Readonly<Record<string, MediaType>>, contentType: string): string | undefined {
  const exact = Object.keys(content).find((k) => k.toLowerCase() === contentType.toLowerCase());
  if (exact) return exact;
  const essence = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return Object.keys(content).find((k) => !k.includes(';') && k.toLowerCase() === essence);
}

/**
 * Sends a request to the server for a documented operation and checks the answer against it:
 * the status is documented, required headers are there and match, the content type is one
 * listed, and a JSON body validates (strictly) against its schema.
 */
async function call(method: Method, docPath: string, url: string, init: RequestInit = {}): Promise<Checked> {
  const op = doc.paths[docPath]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${docPath} is not documented`);
  const res = await fetch(`${server.url}${url}`, { ...init, method: method.toUpperCase(), redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  const at = `${method.toUpperCase()} ${url} -> ${res.status}`;
  const documented = op.responses[String(res.status)];
  if (!documented) throw new Error(`${at}: status ${res.status} is not documented for ${method.toUpperCase()} ${docPath} (body: ${body.toString('utf8').slice(0, 300)})`);
  const response = deref(documented);
  const errors: string[] = [];
  for (const [name, h] of Object.entries(response.headers ?? {})) {
    const header = deref(h);
    const value = res.headers.get(name);
    if (value === null) { if (header.required) errors.push(`header ${name} is missing`); continue; }
    if (header.schema) {
      const resolved = isRef(header.schema) ? (pointer(header.schema.$ref) as Schema) : header.schema;
      const typed = resolved.type === 'integer' ? Number(value) : value;
      errors.push(...schemaErrors(header.schema, typed).map((e) => `header ${name}: ${e}`));
    }
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
      errors.push(...schemaErrors(schema, json));
    }
  } else {
    expect(body.length).toBe(0);
  }
  if (errors.length > 0) throw new Error(`${at} does not match docs/openapi.yaml:\n  ${errors.join('\n  ')}`);
  return { status: res.status, headers: res.headers, body, json };
}

const SAMPLE: Record<string, string> = { ns: 'acme', name: 'web', ref: '1.0.0', path: 'scripts/install.sh' };

beforeAll(async () => {
  server = await startServer();
  work = await WorkRepo.create();
  commits.push(await work.commit({ 'template.yaml': hotTemplate(1), 'scripts/install.sh': '#!/bin/sh\necho one\n' }, 'first'));
  await work.tag('v1.0.0');
  commits.push(await work.commit({ 'template.yaml': hotTemplate(2), 'README.md': '# web\n' }, 'second'));
  await work.tag('1.1.0', { lightweight: true });
  commits.push(await work.commit({ 'notes.txt': 'untagged\n' }, 'third'));
  await work.tag('stable', { lightweight: true, at: commits[0] });
  const r = await work.run(['push', `${server.authUrl}/acme/web.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await work.cleanup();
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

describe('the server answers as documented', () => {
  test('every documented GET answers 200 with a documented body', async () => {
    const gets = operations().filter((o) => o.method === 'get');
    expect(gets.length).toBeGreaterThan(0);
    for (const { path: p, parameters } of gets) {
      const query = parameters.filter((x) => x.in === 'query' && x.required)
        .map((x) => `${x.name}=${encodeURIComponent(String((x.schema?.enum as unknown[] | undefined)?.[0] ?? SAMPLE[x.name]))}`);
      const res = await call('get', p, `${fill(p, SAMPLE)}${query.length ? `?${query.join('&')}` : ''}`);
      expect({ path: p, status: res.status }).toEqual({ path: p, status: 200 });
    }
  });

  test.each([
    ['1.0.0', 'version', '1.0.0'], ['v1.1.0', 'version', '1.1.0'], ['latest', 'latest', '1.1.0'], ['stable', 'label', '1.0.0'],
    ['^1.0', 'range', '1.1.0'], ['~1.0.0', 'range', '1.0.0'], ['commit:7', 'commit', '1.0.0'], ['commit:40', 'commit', null],
  ])('GET .../versions/%s resolves by %s to %s as a documented Resolution', async (given, resolvedBy, version) => {
    const ref = given === 'commit:7' ? (commits[0] ?? '').slice(0, 7) : given === 'commit:40' ? (commits[2] ?? '') : given;
    const docPath = '/api/v1/templates/{ns}/{name}/versions/{ref}';
    const { json, headers } = await call('get', docPath, fill(docPath, { ...SAMPLE, ref }));
    expect(json).toMatchObject({ requested: ref, resolvedBy, version });
    expect(headers.get('cache-control')).toBe('no-cache');
    if (resolvedBy === 'label') expect(json).toMatchObject({ label: 'stable' });
  });

  test('listing pages with limit and cursor; the detail has labels and a clone URL', async () => {
    const list = '/api/v1/templates';
    await call('post', list, list, { headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ namespace: 'acme', name: 'aaa', description: 'first' }) });
    const first = await call('get', list, `${list}?limit=1`);
    const page = first.json as { items: { id: string }[]; nextCursor: string | null };
    expect(page.items.map((t) => t.id)).toEqual(['acme/aaa']);
    expect(page.nextCursor).not.toBeNull();
    const second = (await call('get', list, `${list}?limit=1&cursor=${encodeURIComponent(page.nextCursor ?? '')}`)).json as typeof page;
    expect(second.items.map((t) => t.id)).toEqual(['acme/web']);
    const detail = await call('get', '/api/v1/templates/{ns}/{name}', '/api/v1/templates/acme/web');
    expect(detail.json).toMatchObject({ id: 'acme/web', latestVersion: '1.1.0', versionCount: 2, defaultBranch: 'main', labels: [{ name: 'stable', commit: commits[0], version: '1.0.0' }], cloneUrl: `${server.url}/acme/web.git` });
    await call('delete', '/api/v1/templates/{ns}/{name}', '/api/v1/templates/acme/aaa', { headers: { authorization: `Bearer ${TOKEN}` } });
  });

  test('files: ETag, 304, immutable for versions and full commit ids, no-cache otherwise, Heater headers', async () => {
    const docPath = '/api/v1/templates/{ns}/{name}/versions/{ref}/files/{path}';
    const exact = await call('get', docPath, fill(docPath, SAMPLE));
    expect(exact.body.toString()).toBe('#!/bin/sh\necho one\n');
    expect(exact.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(exact.headers.get('heater-version')).toBe('1.0.0');
    expect(exact.headers.get('heater-commit')).toBe(commits[0]);
    expect(exact.headers.get('content-type')).toBe('text/x-shellscript');
    const etag = exact.headers.get('etag') ?? '';

    const again = await call('get', docPath, fill(docPath, SAMPLE), { headers: { 'if-none-match': `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);

    const head = await call('head', docPath, fill(docPath, SAMPLE));
    expect(head.headers.get('content-length')).toBe(String(exact.body.length));

    const latest = await call('get', docPath, fill(docPath, { ...SAMPLE, ref: 'latest', path: 'template.yaml' }));
    expect(latest.headers.get('cache-control')).toBe('no-cache');
    expect(latest.headers.get('content-type')).toBe('application/yaml');

    const full = await call('get', docPath, fill(docPath, { ...SAMPLE, ref: commits[2] ?? '', path: 'notes.txt' }));
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(full.headers.get('heater-version')).toBeNull();
    const short = await call('get', docPath, fill(docPath, { ...SAMPLE, ref: (commits[2] ?? '').slice(0, 12), path: 'notes.txt' }));
    expect(short.headers.get('cache-control')).toBe('no-cache');
  });

  test('a relative get_file path resolves against the template URL, as Heat does', async () => {
    const docPath = '/api/v1/templates/{ns}/{name}/versions/{ref}/files/{path}';
    const templateUrl = new URL(`${server.url}${fill(docPath, { ...SAMPLE, path: 'template.yaml' })}`);
    const template = (await call('get', docPath, templateUrl.pathname)).body.toString();
    const relative = /get_file: (\S+) \}/.exec(template)?.[1] ?? '';
    expect(relative).toBe('scripts/install.sh');
    const script = await call('get', docPath, new URL(relative, templateUrl).pathname);
    expect(script.body.toString()).toBe('#!/bin/sh\necho one\n');
  });

  test.each([['tar.gz'], ['zip']])('archive.%s has every file under <name>-<version>/, with ETag and 304', async (format) => {
    const docPath = `/api/v1/templates/{ns}/{name}/versions/{ref}/archive.${format}`;
    const res = await call('get', docPath, fill(docPath, SAMPLE));
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="web-1.0.0.${format}"`);
    const bytes = format === 'tar.gz' ? gunzipSync(res.body) : res.body;
    for (const f of ['web-1.0.0/template.yaml', 'web-1.0.0/scripts/install.sh']) expect(bytes.includes(f)).toBe(true);
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toBe(`"${commits[0]}.${format}"`);
    expect((await call('get', docPath, fill(docPath, SAMPLE), { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await call('head', docPath, fill(docPath, SAMPLE))).status).toBe(200);
  });

  test('writes: 201 with Location, 409, 401 with a Bearer challenge, 403, 204, then 404', async () => {
    const list = '/api/v1/templates';
    const one = '/api/v1/templates/{ns}/{name}';
    const body = JSON.stringify({ namespace: 'acme', name: 'db', description: 'A database' });
    const json = { 'content-type': 'application/json' };
    const created = await call('post', list, list, { headers: { ...json, authorization: `Bearer ${TOKEN}` }, body });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/v1/templates/acme/db');
    expect(created.json).toMatchObject({ id: 'acme/db', description: 'A database', latestVersion: null, versionCount: 0, labels: [] });
    expect((await call('post', list, list, { headers: { ...json, authorization: `Bearer ${TOKEN}` }, body })).json).toMatchObject({ status: 409, code: 'template-exists' });
    const anonymous = await call('post', list, list, { headers: json, body });
    expect(anonymous.json).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="Heater"');
    expect((await call('post', list, list, { headers: { ...json, authorization: 'Bearer wrong-token-0000000000' }, body })).json).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await call('delete', one, '/api/v1/templates/acme/db')).status).toBe(401);
    expect((await call('delete', one, '/api/v1/templates/acme/db', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(204);
    expect((await call('get', one, '/api/v1/templates/acme/db')).json).toMatchObject({ status: 404, code: 'template-not-found' });
  });

  test('the git endpoints serve git and refuse what they should, as documented', async () => {
    const refs = '/{ns}/{name}.git/info/refs';
    const upload = '/{ns}/{name}.git/git-upload-pack';
    const receive = '/{ns}/{name}.git/git-receive-pack';
    const v2 = await call('get', refs, '/acme/web.git/info/refs?service=git-upload-pack', { headers: { 'git-protocol': 'version=2' } });
    expect(v2.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(v2.body.toString()).toMatch(/^000eversion 2\n/);
    const push = await call('get', refs, '/acme/web.git/info/refs?service=git-receive-pack', { headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
    expect(push.headers.get('content-type')).toBe('application/x-git-receive-pack-advertisement');
    // a flush-only request: git answers it and exits, which is enough to see the content types
    const fetched = await call('post', upload, '/acme/web.git/git-upload-pack', { headers: { 'content-type': 'application/x-git-upload-pack-request' }, body: '0000' });
    expect(fetched.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    const pushed = await call('post', receive, '/acme/web.git/git-receive-pack', { headers: { 'content-type': 'application/x-git-receive-pack-request', authorization: `Bearer ${TOKEN}` }, body: '0000' });
    expect(pushed.headers.get('content-type')).toBe('application/x-git-receive-pack-result');
  });
});

describe('errors are problem documents with a stable code', () => {
  const basic = (token: string) => `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;
  const versions = '/api/v1/templates/{ns}/{name}/versions/{ref}';
  const files = '/api/v1/templates/{ns}/{name}/versions/{ref}/files/{path}';
  const refs = '/{ns}/{name}.git/info/refs';
  const upload = '/{ns}/{name}.git/git-upload-pack';
  const receive = '/{ns}/{name}.git/git-receive-pack';
  test.each<[string, Method, string, number, string, string, RequestInit]>([
    ['limit out of range', 'get', '/api/v1/templates?limit=0', 400, 'invalid-input', '/api/v1/templates', {}],
    ['a cursor not handed out', 'get', '/api/v1/templates?cursor=zzz', 400, 'invalid-input', '/api/v1/templates', {}],
    ['an upper-case namespace', 'get', '/api/v1/templates/Acme/web', 400, 'invalid-input', '/api/v1/templates/{ns}/{name}', {}],
    ['no such template', 'get', '/api/v1/templates/acme/nothing', 404, 'template-not-found', '/api/v1/templates/{ns}/{name}', {}],
    ['no such template', 'get', '/api/v1/templates/acme/nothing/versions', 404, 'template-not-found', '/api/v1/templates/{ns}/{name}/versions', {}],
    ['no such version', 'get', '/api/v1/templates/acme/web/versions/9.9.9', 404, 'version-not-found', versions, {}],
    ['a ref with a leading space', 'get', '/api/v1/templates/acme/web/versions/%20x', 400, 'invalid-input', versions, {}],
    ['a broken range', 'get', '/api/v1/templates/acme/web/versions/%3E%3D1%20%3C', 400, 'invalid-input', versions, {}],
    ['no such file', 'get', '/api/v1/templates/acme/web/versions/1.0.0/files/nope.txt', 404, 'file-not-found', files, {}],
    ['a directory', 'get', '/api/v1/templates/acme/web/versions/1.0.0/files/scripts', 404, 'file-not-found', files, {}],
    ['an encoded slash', 'get', '/api/v1/templates/acme/web/versions/1.0.0/files/a%2Fb', 400, 'invalid-input', files, {}],
    ['no version in range', 'get', '/api/v1/templates/acme/web/versions/^9/archive.zip', 404, 'version-not-found', '/api/v1/templates/{ns}/{name}/versions/{ref}/archive.zip', {}],
    ['broken JSON', 'post', '/api/v1/templates', 400, 'invalid-json', '/api/v1/templates', { headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{"namespace":' }],
    ['no name', 'post', '/api/v1/templates', 400, 'invalid-input', '/api/v1/templates', { headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: '{"namespace":"a"}' }],
    ['an unknown auth scheme', 'post', '/api/v1/templates', 400, 'invalid-input', '/api/v1/templates', { headers: { 'content-type': 'application/json', authorization: 'Token abc' }, body: '{}' }],
    ['the dumb protocol', 'get', '/acme/web.git/info/refs', 403, 'forbidden', refs, {}],
    ['clone of no such template', 'get', '/acme/nothing.git/info/refs?service=git-upload-pack', 404, 'template-not-found', refs, {}],
    ['push without credentials', 'get', '/acme/web.git/info/refs?service=git-receive-pack', 401, 'unauthenticated', refs, {}],
    ['push with a wrong token', 'get', '/acme/web.git/info/refs?service=git-receive-pack', 403, 'forbidden', refs, { headers: { authorization: basic('wrong-token-0000000000') } }],
    ['a wrong content type', 'post', '/acme/web.git/git-upload-pack', 415, 'unsupported-media-type', upload, { headers: { 'content-type': 'text/plain' }, body: '0000' }],
    ['an unknown content encoding', 'post', '/acme/web.git/git-upload-pack', 415, 'unsupported-media-type', upload, { headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'br' }, body: '0000' }],
    ['a body that is not gzip', 'post', '/acme/web.git/git-upload-pack', 400, 'invalid-input', upload, { headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' }, body: 'not gzip' }],
    ['push without credentials', 'post', '/acme/web.git/git-receive-pack', 401, 'unauthenticated', receive, { headers: { 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' }],
  ])('%s: %s %s -> %i %s', async (_why, method, url, status, code, docPath, init) => {
    const res = await call(method, docPath, url, init);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toEqual({ type: `urn:heater:problem:${code}`, title: expect.any(String), status, detail: expect.any(String), instance: url, code });
    if (status === 401) expect(res.headers.get('www-authenticate')).toBe(isGitPath(docPath) ? 'Basic realm="Heater"' : 'Bearer realm="Heater"');
  });

  test.each([
    ['GET', '/acme/web.git/git-upload-pack', 'POST'], ['GET', '/acme/web.git/git-receive-pack', 'POST'], ['POST', '/acme/web.git/info/refs?service=git-upload-pack', 'GET, HEAD'],
  ])('%s %s -> 405 with Allow: %s', async (method, url, allow) => {
    const res = await fetch(`${server.url}${url}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(schemaErrors(doc.components.schemas.Problem ?? {}, await res.json())).toEqual([]);
    const docPath = url.replace(/^\/acme\/web/, '/{ns}/{name}').split('?')[0] ?? '';
    expect(Object.keys(doc.paths[docPath]?.[allow === 'POST' ? 'post' : 'get']?.responses ?? {})).toContain('405');
  });

  test.each([
    ['PUT', '/api/v1/templates', 'GET, HEAD, POST'], ['PATCH', '/api/v1/templates/acme/web', 'GET, HEAD, DELETE'],
    ['POST', '/api/v1/templates/acme/web/versions/1.0.0/files/template.yaml', 'GET, HEAD'], ['DELETE', '/api/v1/templates/acme/web/versions', 'GET, HEAD'],
  ])('%s %s (a documented path, another method) -> 405 with Allow: %s', async (method, url, allow) => {
    const res = await fetch(`${server.url}${url}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(schemaErrors(doc.components.schemas.Problem ?? {}, await res.json())).toEqual([]);
  });

  test.each([
    ['GET', '/nope'], ['PUT', '/api/v1/nothing'], ['GET', '/acme/web.git/objects/info/packs'], ['POST', '/_heater/hooks/pre-receive/x'],
  ])('%s %s (no such route) -> 404 route-not-found', async (method, url) => {
    const res = await fetch(`${server.url}${url}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const json = await res.json();
    expect(schemaErrors(doc.components.schemas.Problem ?? {}, json)).toEqual([]);
    expect(json).toMatchObject({ code: 'route-not-found', instance: url });
  });
});
