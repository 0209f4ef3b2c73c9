// docs/openapi.yaml against the server: every route documented, every documented route served, bodies as described.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import express, { Router, type Express } from 'express';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';
import { OpenApiContract, fill, type Checked, type Method, type Ref, type Schema } from '../helpers/schema';

const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));
const { doc, checker } = contract;
const schemaErrors = (schema: Schema, value: unknown): string[] => checker.errors(schema, value);
const operations = () => contract.operations();
const deref = <T>(x: T | Ref): T => contract.deref(x);
const PROBLEM = { $ref: '#/components/schemas/Problem' };

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
const GIT_ROUTES = ['GET /{ns}/{name}.git/info/refs', 'POST /{ns}/{name}.git/git-upload-pack', 'POST /{ns}/{name}.git/git-receive-pack'];
// Called only by the pre-receive hook of a running push, with that push's secret.
const INTERNAL_ROUTES = ['POST /_heater/hooks/pre-receive'];
// The web catalog's HTML pages and their assets (src/http/routes/web*.ts) are no part of the API: docs/web.md describes them.
const isWebPage = (p: string) => p === '/' || /^\/(?:t|assets)\//.test(p) || p === '/sign-in' || p === '/sign-out';
// Writes without git (src/http/routes/publish.ts, namespaces.ts), which must be found by the walker.
const T = '/api/v1/templates/{ns}/{name}';
const WRITE_ROUTES = [`POST ${T}/versions`, `PUT ${T}/labels/{label}`, `DELETE ${T}/labels/{label}`, `POST ${T}/versions/{version}/deprecate`,
  `DELETE ${T}/versions/{version}/deprecate`, `POST ${T}/versions/{version}/yank`, `DELETE ${T}/versions/{version}/yank`, 'PATCH /api/v1/namespaces/{ns}'];
// Diffs and compatibility (src/http/routes/diff.ts, versions.ts); their answers are checked in openapi-diff.test.ts.
const DIFF_ROUTES = [`GET ${T}/diff`, `GET ${T}/versions/{ref}/compat`, 'GET /api/v1/namespaces/{ns}'];

const key = (method: string, p: string) => `${method.toUpperCase()} ${p}`;
const isGitPath = (p: string) => /\.git\//.test(p);

/** App routes the document does not describe; an all-methods route (the 405 fallback) needs its path documented. */
function undocumented(routes: readonly AppRoute[]): string[] {
  const documented = new Set(operations().map((o) => key(o.method, o.path)));
  const documentedPaths = new Set(operations().map((o) => o.path));
  return routes.filter((r) => !(r.method === '*' && documentedPaths.has(r.path)))
    .filter((r) => !isWebPage(r.path)).map((r) => key(r.method, r.path)).filter((k) => !documented.has(k) && !INTERNAL_ROUTES.includes(k));
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
    for (const [name, s] of Object.entries(doc.components.schemas)) checker.assertCheckable(s, name);
    for (const { method, path: p, op, parameters } of operations()) {
      for (const prm of parameters) if (prm.schema) checker.assertCheckable(prm.schema, `${method} ${p} ${prm.name}`);
      for (const [type, mt] of Object.entries(op.requestBody?.content ?? {})) if (mt.schema) checker.assertCheckable(mt.schema, `${method} ${p} request ${type}`);
      for (const [status, r] of Object.entries(op.responses)) {
        const res = deref(r);
        for (const [h, hd] of Object.entries(res.headers ?? {})) { const s = deref(hd).schema; if (s) checker.assertCheckable(s, `${method} ${p} ${status} ${h}`); }
        for (const [type, mt] of Object.entries(res.content ?? {})) if (mt.schema) checker.assertCheckable(mt.schema, `${method} ${p} ${status} ${type}`);
      }
    }
  });

  test('the checker: allOf shares declared properties, oneOf needs exactly one branch, strict still catches extras', () => {
    const vf = doc.components.schemas.ValidationFailedProblem ?? {};
    const problem = { type: 'urn:heater:problem:validation-failed', title: 'Unprocessable Content', status: 422, detail: 'd', instance: '/x', code: 'validation-failed' };
    expect(schemaErrors(vf, { ...problem, problems: [{ file: 'a.yaml', line: 1, column: 2, rule: 'yaml-syntax', message: 'm' }] })).toEqual([]);
    expect(schemaErrors(vf, { ...problem, problems: [], extra: 1 })).toEqual(expect.arrayContaining([expect.stringMatching(/"extra" is not documented/), expect.stringMatching(/fewer than 1 items/)]));
    expect(schemaErrors(doc.components.schemas.Problem ?? {}, { ...problem, problems: [] })).toEqual([expect.stringMatching(/"problems" is not documented/)]);
    const [mark, version] = [{ message: 'm', by: 'admin', at: '2026-01-02T03:04:05.000Z' }, doc.components.schemas.Version ?? {}];
    const v = { version: '1.0.0', tag: 'v1.0.0', commit: 'a'.repeat(40), created: mark.at, author: 'a', message: 'm', deprecated: mark, yanked: null };
    expect(schemaErrors(version, v)).toEqual([]);
    expect(schemaErrors(version, { ...v, yanked: 'no' })).toEqual([expect.stringMatching(/yanked: "no" matches 0 of the oneOf branches/)]);
    expect(schemaErrors(version, { ...v, deprecated: { ...mark, extra: 1 } })).toHaveLength(1);
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

  test('every REST error response is application/problem+json with the Problem schema (422: a Problem with an extension member); git\'s are one line of text/plain', () => {
    const unprocessable = ['ValidationFailedProblem', 'SemverViolationProblem'].map((n) => ({ $ref: `#/components/schemas/${n}` }));
    for (const ref of unprocessable) expect(deref<Schema>(ref).allOf).toEqual(expect.arrayContaining([PROBLEM]));
    for (const { method, path: p, op } of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        const content = deref(r).content ?? {};
        const at = `${method} ${p} ${status}`;
        if (isGitPath(p)) { expect({ at, content }).toEqual({ at, content: { 'text/plain': {} } }); continue; }
        expect({ at, types: Object.keys(content) }).toEqual({ at, types: ['application/problem+json'] });
        const schema = content['application/problem+json']?.schema;
        if (status !== '422') { expect({ at, schema }).toEqual({ at, schema: PROBLEM }); continue; }
        // one 422 problem, or exactly one of several (a publish: validation-failed or semver-violation)
        const branches = (schema?.oneOf as unknown[] | undefined) ?? [schema];
        expect({ at, branches: branches.filter((b) => !unprocessable.some((u) => JSON.stringify(u) === JSON.stringify(b))) }).toEqual({ at, branches: [] });
      }
    }
  });

  test('every REST write needs the Bearer token; JSON request bodies have a schema', () => {
    const writes = operations().filter((o) => !isGitPath(o.path) && !['get', 'head'].includes(o.method));
    expect(writes.length).toBeGreaterThanOrEqual(9);
    for (const { method, path: p, op } of writes) {
      expect({ op: key(method, p), security: op.security }).toEqual({ op: key(method, p), security: [{ bearerAuth: [] }] });
      expect({ op: key(method, p), statuses: Object.keys(op.responses) }).toEqual({ op: key(method, p), statuses: expect.arrayContaining(['401', '403']) });
      const body = op.requestBody?.content['application/json'];
      if (body) expect({ op: key(method, p), schema: typeof body.schema?.$ref }).toEqual({ op: key(method, p), schema: 'string' });
    }
  });

  test('the git endpoints and the internal hook are documented as such', () => {
    const gitOps = operations().filter((o) => isGitPath(o.path)).map((o) => key(o.method, o.path)).sort();
    expect(gitOps).toEqual([...GIT_ROUTES].sort());
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/_heater'))).toEqual([]);
    expect((doc['x-heater-internal-routes'] ?? []).map((r) => key(r.method, r.path)).sort()).toEqual([...INTERNAL_ROUTES].sort());
    const push = operations().find((o) => o.op.operationId === 'gitReceivePack');
    expect(push?.op.security).toEqual([{ basicAuth: [] }]);
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
    expect(keys).toEqual(expect.arrayContaining(['GET /healthz', 'GET /api/v1/templates', ...INTERNAL_ROUTES, ...WRITE_ROUTES, ...DIFF_ROUTES]));
  });

  test('every Express route is documented', () => {
    expect(undocumented(routes)).toEqual([]);
  });

  test('a route added without documentation is caught', () => {
    const extra: AppRoute[] = [['PUT', T], ['PATCH', `${T}/labels/{label}`], ['POST', `${T}/versions/{version}/undeprecate`]]
      .map(([method = '', p = '']) => ({ method, path: p, restOfPath: [] }));
    expect(undocumented([...routes, ...extra])).toEqual(extra.map((r) => key(r.method, r.path)));
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

let server: TestServer;
let work: WorkRepo;
const commits: string[] = [];

/** A request to the test server for a documented operation, its answer checked against the document (see OpenApiContract.call). */
const call = (method: Method, docPath: string, url: string, init: RequestInit = {}): Promise<Checked> => contract.call(server.url, method, docPath, url, init);

const bearer = { authorization: `Bearer ${TOKEN}` };
const asJson = (body: unknown, headers: Record<string, string> = bearer): RequestInit => ({ headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const PUBLISH = `${T}/versions`;
const LABEL = `${T}/labels/{label}`;
const mark = (action: 'deprecate' | 'yank') => `${T}/versions/{version}/${action}`;

const SAMPLE: Record<string, string> = { ns: 'acme', name: 'web', ref: '1.0.0', path: 'scripts/install.sh', from: '1.0.0', to: 'latest' };

beforeAll(async () => {
  server = await startServer();
  work = await WorkRepo.create();
  commits.push(await work.commit({ 'template.yaml': hotTemplate(1, true), 'scripts/install.sh': '#!/bin/sh\necho one\n' }, 'first'));
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
    for (const { path: p, parameters, op } of gets) {
      const query = parameters.filter((x) => x.in === 'query' && x.required)
        .map((x) => `${x.name}=${encodeURIComponent(String((x.schema?.enum as unknown[] | undefined)?.[0] ?? SAMPLE[x.name]))}`);
      // reads that need a token (the token list) are asked with the admin's
      const init = op.security ? { headers: { authorization: `Bearer ${TOKEN}` } } : {};
      const res = await call('get', p, `${fill(p, SAMPLE)}${query.length ? `?${query.join('&')}` : ''}`, init);
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

  test('every filter of the listing has an example, which the server answers with a documented page, alone and all together', async () => {
    const list = operations().find((o) => o.op.operationId === 'listTemplates');
    const filters = (list?.parameters ?? []).filter((x) => x.in === 'query' && x.name !== 'cursor');
    expect(filters.length).toBeGreaterThanOrEqual(12);
    const pairs = filters.map((prm) => {
      expect({ name: prm.name, hasExample: prm.example !== undefined }).toEqual({ name: prm.name, hasExample: true });
      return `${prm.name === 'meta.KEY' ? 'meta.team' : prm.name}=${encodeURIComponent(String(prm.example))}`;
    });
    for (const pair of pairs) {
      const res = await call('get', '/api/v1/templates', `/api/v1/templates?${pair}`);
      expect({ pair, status: res.status }).toEqual({ pair, status: 200 });
    }
    expect((await call('get', '/api/v1/templates', `/api/v1/templates?${pairs.join('&')}`)).status).toBe(200);
    const all = await call('get', '/api/v1/templates', '/api/v1/templates?fields=namespace,name,description,keywords,metadata,entrypoint,icon,authors,license,homepage,latestVersion,deprecated,versionCount,versions,labels,created,updated,interface&facets=keywords,namespaces,resource_types,licenses');
    expect(all.json).toMatchObject({ items: [{ id: 'acme/web', interface: { resourceTypes: ['OS::Nova::Server'] } }], total: 1 });
    expect((await call('get', '/api/v1/namespaces', '/api/v1/namespaces')).json).toEqual({ items: [{ namespace: 'acme', templates: 1 }] });
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
    expect((await call('post', list, list, { headers: { ...json, authorization: 'Bearer wrong-token-0000000000' }, body })).json).toMatchObject({ status: 401, code: 'invalid-token' });
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
    ['an unknown auth scheme', 'post', '/api/v1/templates', 401, 'invalid-token', '/api/v1/templates', { headers: { 'content-type': 'application/json', authorization: 'Token abc' }, body: '{}' }],
    ['publish without a token', 'post', '/api/v1/templates/acme/web/versions', 401, 'unauthenticated', PUBLISH, asJson({ version: '3.0.0', files: { a: 'x' } }, {})],
    ['publish with a wrong token', 'post', '/api/v1/templates/acme/web/versions', 401, 'invalid-token', PUBLISH, asJson({ version: '3.0.0', files: { a: 'x' } }, { authorization: 'Bearer wrong-token-0000000000' })],
    ['publish a range', 'post', '/api/v1/templates/acme/web/versions', 400, 'invalid-input', PUBLISH, asJson({ version: '^3', files: { a: 'x' } })],
    ['publish a ".." path', 'post', '/api/v1/templates/acme/web/versions', 400, 'invalid-input', PUBLISH, asJson({ version: '3.0.0', files: { '../a': 'x' } })],
    ['publish an existing version', 'post', '/api/v1/templates/acme/web/versions', 409, 'version-exists', PUBLISH, asJson({ version: 'v1.0.0', files: { a: 'x' } })],
    ['publish a file over 16 MiB', 'post', '/api/v1/templates/acme/web/versions', 413, 'too-large', PUBLISH, asJson({ version: '3.0.0', files: { a: { base64: Buffer.alloc(16 * 1024 * 1024 + 3).toString('base64') } } })],
    ['publish as text/plain', 'post', '/api/v1/templates/acme/web/versions', 415, 'unsupported-media-type', PUBLISH, { headers: { ...bearer, 'content-type': 'text/plain' }, body: 'x' }],
    ['publish a tarball that is not gzip', 'post', '/api/v1/templates/acme/web/versions?version=3.0.0', 400, 'invalid-input', PUBLISH, { headers: { ...bearer, 'content-type': 'application/gzip' }, body: 'x' }],
    ['a label that is a version', 'put', '/api/v1/templates/acme/web/labels/v2.0.0', 400, 'invalid-input', LABEL, asJson({ ref: '1.0.0' })],
    ['a label at no version', 'put', '/api/v1/templates/acme/web/labels/next', 404, 'version-not-found', LABEL, asJson({ ref: '^9' })],
    ['a label body over 16 KiB', 'put', '/api/v1/templates/acme/web/labels/next', 413, 'too-large', LABEL, asJson({ ref: 'x'.repeat(17000) })],
    ['no such label', 'delete', '/api/v1/templates/acme/web/labels/nope', 404, 'label-not-found', LABEL, { headers: bearer }],
    ['yank without a token', 'post', '/api/v1/templates/acme/web/versions/1.0.0/yank', 401, 'unauthenticated', mark('yank'), asJson({ reason: 'x' }, {})],
    ['yank no such version', 'post', '/api/v1/templates/acme/web/versions/9.9.9/yank', 404, 'version-not-found', mark('yank'), asJson({ reason: 'x' })],
    ['yank a range', 'delete', '/api/v1/templates/acme/web/versions/%5E1/yank', 400, 'invalid-input', mark('yank'), { headers: bearer }],
    ['deprecate without a message', 'post', '/api/v1/templates/acme/web/versions/1.0.0/deprecate', 400, 'invalid-input', mark('deprecate'), asJson({})],
    ['deprecate in another template', 'delete', '/api/v1/templates/acme/nothing/versions/1.0.0/deprecate', 404, 'template-not-found', mark('deprecate'), { headers: bearer }],
    ['the dumb protocol', 'get', '/acme/web.git/info/refs', 403, 'forbidden', refs, {}],
    ['clone of no such template', 'get', '/acme/nothing.git/info/refs?service=git-upload-pack', 404, 'template-not-found', refs, {}],
    ['push without credentials', 'get', '/acme/web.git/info/refs?service=git-receive-pack', 401, 'unauthenticated', refs, {}],
    ['push with a wrong token', 'get', '/acme/web.git/info/refs?service=git-receive-pack', 401, 'invalid-token', refs, { headers: { authorization: basic('wrong-token-0000000000') } }],
    ['a wrong content type', 'post', '/acme/web.git/git-upload-pack', 415, 'unsupported-media-type', upload, { headers: { 'content-type': 'text/plain' }, body: '0000' }],
    ['an unknown content encoding', 'post', '/acme/web.git/git-upload-pack', 415, 'unsupported-media-type', upload, { headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'br' }, body: '0000' }],
    ['a body that is not gzip', 'post', '/acme/web.git/git-upload-pack', 400, 'invalid-input', upload, { headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip' }, body: 'not gzip' }],
    ['push without credentials', 'post', '/acme/web.git/git-receive-pack', 401, 'unauthenticated', receive, { headers: { 'content-type': 'application/x-git-receive-pack-request' }, body: '0000' }],
  ])('%s: %s %s -> %i %s', async (_why, method, url, status, code, docPath, init) => {
    const res = await call(method, docPath, url, init);
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    if (isGitPath(docPath)) {
      // the same answer git shows its user as a `remote:` line: one line of text, the problem's detail
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.body.toString()).toMatch(/^[^\n]+\.\n$/);
      if (status === 401) expect(res.headers.get('www-authenticate')).toBe('Basic realm="Heater"');
      return;
    }
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toEqual({ type: `urn:heater:problem:${code}`, title: expect.any(String), status, detail: expect.any(String), instance: url, code });
    if (status === 401) expect(res.headers.get('www-authenticate')).toBe(code === 'invalid-token' ? 'Bearer realm="Heater", error="invalid_token"' : 'Bearer realm="Heater"');
  });

  test.each([
    ['GET', '/acme/web.git/git-upload-pack', 'POST'], ['GET', '/acme/web.git/git-receive-pack', 'POST'], ['POST', '/acme/web.git/info/refs?service=git-upload-pack', 'GET, HEAD'],
  ])('%s %s -> 405 with Allow: %s', async (method, url, allow) => {
    const res = await fetch(`${server.url}${url}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(`${method} is not supported here; this resource accepts ${allow}.\n`);
    const docPath = url.replace(/^\/acme\/web/, '/{ns}/{name}').split('?')[0] ?? '';
    expect(Object.keys(doc.paths[docPath]?.[allow === 'POST' ? 'post' : 'get']?.responses ?? {})).toContain('405');
  });

  test.each([
    ['PUT', '/api/v1/templates', 'GET, HEAD, POST'], ['PATCH', '/api/v1/templates/acme/web', 'GET, HEAD, DELETE'],
    ['POST', '/api/v1/templates/acme/web/versions/1.0.0/files/template.yaml', 'GET, HEAD'], ['GET', '/api/v1/templates/acme/web/labels/stable', 'PUT, DELETE'],
    ['PUT', '/api/v1/templates/acme/web/versions/1.0.0/deprecate', 'POST, DELETE'], ['GET', '/api/v1/templates/acme/web/versions/1.0.0/yank', 'POST, DELETE'],
    ['DELETE', '/api/v1/templates/acme/web/versions', 'GET, HEAD, POST'],
  ])('%s %s (a documented path, another method) -> 405 with Allow: %s', async (method, url, allow) => {
    const res = await fetch(`${server.url}${url}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(schemaErrors(doc.components.schemas.Problem ?? {}, await res.json())).toEqual([]);
  });

  test.each([
    ['GET', '/nope'], ['PUT', '/api/v1/nothing'], ['POST', '/_heater/hooks/pre-receive/x'],
  ])('%s %s (no such route) -> 404 route-not-found', async (method, url) => {
    const res = await fetch(`${server.url}${url}`, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const json = await res.json();
    expect(schemaErrors(doc.components.schemas.Problem ?? {}, json)).toEqual([]);
    expect(json).toMatchObject({ code: 'route-not-found', instance: url });
  });
});

test('a path below .git/ that is not part of the smart protocol -> 404, as a line git would show', async () => {
  const res = await fetch(`${server.url}/acme/web.git/objects/info/packs`);
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(await res.text()).toBe('/objects/info/packs is not part of git\'s smart HTTP protocol; clone acme/web.git with git.\n');
});

describe('writes without git answer as documented', () => {
  const url = (rest: string) => `/api/v1/templates/acme/pub${rest}`;
  const [RESOLVE, FILE] = [`${T}/versions/{ref}`, `${T}/versions/{ref}/files/{path}`];
  // Every interface feature: groups, each constraint kind, a hidden default, a nested template, outputs. JSON is YAML.
  const template = JSON.stringify({
    heat_template_version: '2021-04-16', description: 'Contract test', parameter_groups: [{ label: 'Sizing', description: 'How big', parameters: ['flavor'] }],
    parameters: {
      flavor: { type: 'string', label: 'Flavor', default: 'm1.small', constraints: [{ allowed_values: ['m1.small', 'm1.large'], description: 'Small or large' }, { length: { min: 1, max: 64 } }, { allowed_pattern: '^m1[.].*' }, { custom_constraint: 'nova.flavor' }] },
      count: { type: 'number', default: 1, constraints: [{ range: { min: 1, max: 10 } }, { modulo: { step: 1, offset: 0 } }] },
      password: { type: 'string', hidden: true, default: 'secret' }, tags: { type: 'comma_delimited_list', immutable: true },
    },
    resources: {
      server: { type: 'OS::Nova::Server', properties: { flavor: { get_param: 'flavor' }, user_data: { get_file: 'scripts/install.sh' } } },
      group: { type: 'OS::Heat::ResourceGroup', properties: { count: { get_param: 'count' }, resource_def: { type: 'member.yaml' } } },
    },
    outputs: { ip: { description: 'The address', value: { get_attr: ['server', 'first_address'] } } },
  });
  const manifest = JSON.stringify({ description: 'A contract test', keywords: ['web', 'test'], metadata: { team: 'platform' }, icon: 'logo.png', authors: [{ name: 'Ada', email: 'ada@example.com', url: 'https://example.com/ada' }], license: 'Apache-2.0', homepage: 'https://example.com' });

  test('publish JSON: 201, Location, a documented Version; the version resolves with its manifest and interface', async () => {
    const res = await call('post', PUBLISH, url('/versions'), asJson({ version: '1.0.0', message: 'First release', files: {
      'template.yaml': template, 'heater.yaml': manifest, 'member.yaml': 'heat_template_version: 2021-04-16\nresources: {}\n',
      'scripts/install.sh': { text: '#!/bin/sh\n', executable: true }, 'logo.png': { base64: Buffer.from([137, 80, 78, 71]).toString('base64') } } }));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(url('/versions/1.0.0'));
    expect(res.json).toMatchObject({ template: 'acme/pub', version: '1.0.0', tag: 'v1.0.0', message: 'First release', deprecated: null, yanked: null });
    const got = await call('get', RESOLVE, url('/versions/1.0.0'));
    expect(got.json).toMatchObject({ entrypoint: 'template.yaml', manifest: { keywords: ['web', 'test'], license: 'Apache-2.0' }, interface: { resources: { total: 2 }, nestedTemplates: ['member.yaml'] } });
    const params = (got.json as { interface: { parameters: { name: string; default?: unknown; constraints: unknown[] }[] } }).interface.parameters;
    expect(params.find((p) => p.name === 'password')).not.toHaveProperty('default');
    expect(params.flatMap((p) => p.constraints)).toHaveLength(6);
    expect((await call('get', `${T}`, url(''))).json).toMatchObject({ description: 'A contract test', keywords: ['web', 'test'] });
  });

  test('publish a .tar.gz (the work tree acme/web was pushed from) with ?version= and ?message=: 201', async () => {
    const tgz = execFileSync('tar', ['-czf', '-', '--exclude=.git', '-C', work.dir, '.']);
    const res = await call('post', PUBLISH, url('/versions?version=1.1.0&message=From%20a%20tarball'), { headers: { ...bearer, 'content-type': 'application/gzip' }, body: tgz });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ version: '1.1.0', message: 'From a tarball' });
    expect(((await call('get', RESOLVE, url('/versions/1.1.0'))).json as { files: { path: string }[] }).files.map((f) => f.path)).toContain('scripts/install.sh');
  });

  test('a version that does not validate: 422 validation-failed with every problem located', async () => {
    const res = await call('post', PUBLISH, url('/versions'), asJson({ version: '2.0.0', files: { 'template.yaml': 'heat_template_version: 1999-01-01\nfoo: 1\n', 'heater.yaml': 'nope: 1\n' } }));
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ status: 422, code: 'validation-failed', problems: [
      { file: 'heater.yaml', line: 1, column: 1, rule: 'manifest-schema' }, { file: 'template.yaml', line: 1, rule: 'hot-version' }, { file: 'template.yaml', line: 2, rule: 'hot-section' },
    ] });
    expect((await call('get', RESOLVE, url('/versions/2.0.0'))).status).toBe(404);
  });

  test('labels: PUT points one at a ref (200), it resolves as a label, DELETE removes it (204), again 404', async () => {
    const put = await call('put', LABEL, url('/labels/stable'), asJson({ ref: '^1' }));
    expect(put.json).toMatchObject({ template: 'acme/pub', label: 'stable', version: '1.1.0' });
    expect((await call('get', RESOLVE, url('/versions/stable'))).json).toMatchObject({ resolvedBy: 'label', label: 'stable', version: '1.1.0' });
    expect((await call('delete', LABEL, url('/labels/stable'), { headers: bearer })).status).toBe(204);
    expect((await call('delete', LABEL, url('/labels/stable'), { headers: bearer })).json).toMatchObject({ status: 404, code: 'label-not-found' });
  });

  test('deprecate and yank: marks on Version and Resolution, Heater-Deprecated and Heater-Yanked on files and archives; DELETE clears', async () => {
    const note = 'Use 2.x — ünïcode, "quoted"';
    expect((await call('post', mark('deprecate'), url('/versions/1.0.0/deprecate'), asJson({ message: note }))).json).toMatchObject({ version: '1.0.0', deprecated: { message: note, by: 'admin' }, yanked: null });
    expect((await call('post', mark('yank'), url('/versions/1.1.0/yank'), asJson({ reason: 'broke the network' }))).json).toMatchObject({ version: '1.1.0', yanked: { message: 'broke the network' } });
    expect((await call('get', RESOLVE, url('/versions/latest'))).json).toMatchObject({ version: '1.0.0', deprecated: { message: note }, yanked: null });
    expect((await call('get', RESOLVE, url('/versions/1.1.0'))).json).toMatchObject({ resolvedBy: 'version', yanked: { message: 'broke the network' } });
    const list = (await call('get', PUBLISH, url('/versions'))).json as { versions: { version: string; yanked: unknown }[] };
    expect(list.versions.map((v) => [v.version, v.yanked !== null])).toEqual([['1.1.0', true], ['1.0.0', false]]);
    const file = await call('get', FILE, url('/versions/1.0.0/files/template.yaml'));
    expect(decodeURIComponent(file.headers.get('heater-deprecated') ?? '')).toBe(note);
    expect(file.headers.get('heater-yanked')).toBeNull();
    const unchanged = await call('get', FILE, url('/versions/1.0.0/files/template.yaml'), { headers: { 'if-none-match': file.headers.get('etag') ?? '' } });
    expect(unchanged.status).toBe(304);
    expect(decodeURIComponent(unchanged.headers.get('heater-deprecated') ?? '')).toBe(note);
    const archive = await call('head', `${T}/versions/{ref}/archive.zip`, url('/versions/1.1.0/archive.zip'));
    expect(decodeURIComponent(archive.headers.get('heater-yanked') ?? '')).toBe('broke the network');
    expect((await call('delete', mark('deprecate'), url('/versions/1.0.0/deprecate'), { headers: bearer })).json).toMatchObject({ deprecated: null, yanked: null });
    expect((await call('delete', mark('yank'), url('/versions/1.1.0/yank'), { headers: bearer })).json).toMatchObject({ deprecated: null, yanked: null });
    expect((await call('get', RESOLVE, url('/versions/latest'))).json).toMatchObject({ version: '1.1.0', yanked: null });
    expect((await call('get', FILE, url('/versions/1.0.0/files/template.yaml'))).headers.get('heater-deprecated')).toBeNull();
  });
});
