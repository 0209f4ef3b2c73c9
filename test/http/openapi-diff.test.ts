// docs/openapi.yaml against the diff, compat and namespace routes and the semver policy on publish:
// live answers checked against their schemas (openapi.test.ts checks that the routes are documented).
import fs from 'node:fs';
import path from 'node:path';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk } from '../helpers/git-client';
import { OpenApiContract, type Checked, type Method } from '../helpers/schema';

const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));
const T = '/api/v1/templates/{ns}/{name}';
const [DIFF, COMPAT, NS, PUBLISH] = [`${T}/diff`, `${T}/versions/{ref}/compat`, '/api/v1/namespaces/{ns}', `${T}/versions`];
const bearer = { authorization: `Bearer ${TOKEN}` };
const asJson = (body: unknown, headers: Record<string, string> = bearer): RequestInit => ({ headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

let server: TestServer;
let w: WorkRepo;
let broken = ''; // a pushed branch commit whose env.yaml does not parse
const call = (method: Method, docPath: string, url: string, init: RequestInit = {}): Promise<Checked> => contract.call(server.url, method, docPath, url, init);
const diff = (query: string, init: RequestInit = {}) => call('get', DIFF, `/api/v1/templates/acme/app/diff?${query}`, init);

/** A Heat template: `params`, `resources` and `outputs` are the YAML bodies of those sections. */
const hot = (description: string, params: string, resources: string, outputs: string) =>
  `heat_template_version: 2021-04-16\ndescription: ${description}\nparameters:\n${params}resources:\n${resources}outputs:\n${outputs}`;
const SERVER = (type: string) => `  server:\n    type: ${type}\n    properties:\n      flavor: { get_param: flavor }\n`;
const FLAVOR = (dflt: string, allowed: string) => `  flavor:\n    type: string\n    default: ${dflt}\n    constraints:\n      - allowed_values: [${allowed}]\n`;
const COUNT = '  count:\n    type: number\n    default: 1\n';
const ID = '  id:\n    value: { get_resource: server }\n';
const MEMBER = 'heat_template_version: 2021-04-16\nresources: {}\n';

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({
    'template.yaml': hot('App, first', FLAVOR('m1.small', 'm1.small, m1.large') + COUNT, SERVER('OS::Nova::Server'), ID),
    'env.yaml': 'parameters:\n  flavor: m1.small\n  count: 2\nlist: [a, b, c]\nold: gone\n',
    'conf/settings.yaml': 'name: app\nsize: 1\nzone: one\nregion: north\nowner: ops\n',
    'docs/guide.md': `${Array.from({ length: 20 }, (_, i) => `guide line ${i + 1}`).join('\n')}\n`,
    'logo.png': Buffer.from([137, 80, 78, 71, 0, 1, 2, 3]),
    'scripts/run.sh': '#!/bin/sh\necho run\n',
    'noeol.txt': 'first\nlast',
    'gone.txt': 'to be deleted\n',
  }, 'one');
  await w.tag('v1.0.0');
  await w.git(['mv', 'docs/guide.md', 'docs/handbook.md']);
  await w.git(['mv', 'conf/settings.yaml', 'conf/app.yaml']);
  await w.commit({
    'template.yaml': hot('App, second', FLAVOR('m1.large', 'm1.small, m1.large, m1.xlarge') + COUNT + '  key:\n    type: string\n    default: none\n',
      SERVER('OS::Nova::Server'), `${ID}  name:\n    value: { get_attr: [server, name] }\n`),
    'env.yaml': 'parameters:\n  flavor: m1.large\n  count: 2\nlist: [c, a, b]\nnew: here\n',
    'conf/app.yaml': 'name: app\nsize: 2\nzone: one\nregion: north\nowner: ops\n',
    'docs/handbook.md': `${Array.from({ length: 20 }, (_, i) => `guide line ${i + 1}`).join('\n').replace('line 10', 'line ten')}\n`,
    'logo.png': Buffer.from([137, 80, 78, 71, 9, 9, 9, 9]),
    'noeol.txt': 'first\nlast, changed',
    'gone.txt': null,
    'lib/member.yaml': MEMBER,
  }, 'two');
  await w.git(['update-index', '--chmod=+x', 'scripts/run.sh']);
  await w.git(['commit', '-q', '-m', 'mode only']);
  await w.tag('v1.1.0');
  await w.commit({ 'template.yaml': hot('App, third', FLAVOR('m1.large', 'm1.large'), SERVER('OS::Nova::ServerV2'), ''), 'lib/member.yaml': null }, 'three');
  await w.tag('v2.0.0');
  await w.commit({ 'env.yaml': 'list: [\n' }, 'broken');
  broken = (await w.git(['rev-parse', 'HEAD'])).trim();
  const r = await w.run(['push', `${server.authUrl}/acme/app.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await w.cleanup();
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

interface DiffBody {
  from: { version: string | null }; to: { resolvedBy: string; version: string | null }; paths: string[];
  summary: { required: string; breaking: boolean; changes: { file: string; change: string; bump: string }[] };
  files: { path: string; oldPath?: string; status: string; binary: boolean; oldMode?: string; newMode?: string; hunks: { lines: string[] }[] }[];
  structural?: { path: string; oldPath?: string; unparsable?: string; changes: { path: string; kind: string }[] }[];
}

describe('GET .../diff', () => {
  test('JSON with structural=true: every file status and every structural change kind, as documented; then 304', async () => {
    const res = await diff('from=1.0.0&to=1.1.0&structural=true');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('vary')).toBe('Accept');
    const body = res.json as DiffBody;
    expect(body).toMatchObject({ template: 'acme/app', from: { requested: '1.0.0', resolvedBy: 'version', version: '1.0.0' }, to: { version: '1.1.0' }, context: 3, paths: [] });
    const byPath = Object.fromEntries(body.files.map((f) => [f.path, f]));
    expect(new Set(body.files.map((f) => f.status))).toEqual(new Set(['added', 'deleted', 'modified', 'renamed', 'mode-changed']));
    expect(byPath['docs/handbook.md']).toMatchObject({ status: 'renamed', oldPath: 'docs/guide.md' });
    expect(byPath['logo.png']).toMatchObject({ binary: true, hunks: [] });
    expect(byPath['scripts/run.sh']).toMatchObject({ status: 'mode-changed', oldMode: '100644', newMode: '100755' });
    expect(byPath['noeol.txt']?.hunks[0]?.lines).toContain('\\ No newline at end of file');
    const structural = body.structural ?? [];
    expect(structural.map((y) => y.path).sort()).toEqual(['conf/app.yaml', 'env.yaml', 'template.yaml']);
    expect(structural.find((y) => y.path === 'conf/app.yaml')).toMatchObject({ oldPath: 'conf/settings.yaml', changes: [{ path: 'size', kind: 'changed', old: 1, new: 2 }] });
    expect(new Set(structural.flatMap((y) => y.changes.map((c) => c.kind)))).toEqual(new Set(['added', 'removed', 'changed', 'moved']));
    expect(body.summary).toMatchObject({ required: 'minor', breaking: false });
    expect(body.summary.changes.map((c) => `${c.file} ${c.change} ${c.bump}`)).toEqual(expect.arrayContaining([
      'lib/member.yaml template-added minor', 'template.yaml parameter-default-changed patch', 'template.yaml parameter-constraints-changed minor',
      'template.yaml parameter-added minor', 'template.yaml output-added minor']));
    const again = await diff('from=1.0.0&to=1.1.0&structural=true', { headers: { 'if-none-match': res.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
  });

  test('breaking changes, a removed Heat template; paths (repeated or comma-separated) and context narrow the files, not the summary', async () => {
    const body = (await diff('from=1.1.0&to=2.0.0&paths=lib,env.yaml&paths=template.yaml&context=0')).json as DiffBody;
    expect(body.paths).toEqual(['env.yaml', 'lib', 'template.yaml']);
    expect(body.files.map((f) => f.path)).toEqual(['lib/member.yaml', 'template.yaml']);
    expect(body).not.toHaveProperty('structural');
    expect(body.summary).toMatchObject({ required: 'major', breaking: true });
    expect(body.summary.changes.map((c) => `${c.file} ${c.change}`)).toEqual(expect.arrayContaining([
      'lib/member.yaml template-removed', 'template.yaml parameter-removed', 'template.yaml resource-type-changed', 'template.yaml output-removed']));
    const narrow = (await diff('from=1.1.0&to=2.0.0&paths=env.yaml')).json as DiffBody;
    expect(narrow.files).toEqual([]);
    expect(narrow.summary).toEqual(body.summary);
  });

  test('the patch, by Accept: text/x-diff or format=patch (binary=true), is what git diff prints', async () => {
    const byAccept = await diff('from=1.0.0&to=latest', { headers: { accept: 'text/x-diff' } });
    expect(byAccept.headers.get('content-type')).toBe('text/x-diff; charset=utf-8');
    expect(byAccept.headers.get('cache-control')).toBe('no-cache');
    expect(byAccept.body.toString('utf8')).toBe(await gitOk(['diff', '--no-color', 'v1.0.0', 'v2.0.0'], { cwd: w.dir }));
    const binary = await diff('from=1.0.0&to=1.1.0&format=patch&binary=true', { headers: { accept: 'application/json' } });
    expect(binary.headers.get('content-type')).toBe('text/x-diff; charset=utf-8');
    expect(binary.body.toString('utf8')).toBe(await gitOk(['diff', '--no-color', '--binary', 'v1.0.0', 'v1.1.0'], { cwd: w.dir }));
    expect(binary.headers.get('etag')).not.toBe(byAccept.headers.get('etag'));
  });

  test('to a commit without a version: a side that does not parse is unparsable, version null', async () => {
    const body = (await diff(`from=2.0.0&to=${broken}&structural=true`)).json as DiffBody;
    expect(body.to).toMatchObject({ resolvedBy: 'commit', version: null });
    expect(body.structural).toEqual([{ path: 'env.yaml', changes: [], truncated: false, unparsable: 'after' }]);
  });

  test.each<[string, number, string]>([
    ['to=1.1.0', 400, 'invalid-input'], ['from=1.0.0&to=1.1.0&from=1.0.0', 400, 'invalid-input'], ['from=1.0.0&to=1.1.0&context=1001', 400, 'invalid-input'],
    ['from=1.0.0&to=1.1.0&format=html', 400, 'invalid-input'], ['from=1.0.0&to=1.1.0&structural=yes', 400, 'invalid-input'],
    ['from=1.0.0&to=1.1.0&paths=a/../b', 400, 'invalid-input'], ['from=1.0.0&to=9.9.9', 404, 'version-not-found'],
  ])('?%s -> %i %s', async (query, status, code) => {
    const res = await diff(query);
    expect({ status: res.status, json: res.json }).toMatchObject({ status, json: { status, code, instance: `/api/v1/templates/acme/app/diff?${query}` } });
  });

  test('no such template -> 404 template-not-found', async () => {
    expect((await call('get', DIFF, '/api/v1/templates/acme/none/diff?from=1&to=2')).json).toMatchObject({ code: 'template-not-found' });
  });
});

describe('GET .../versions/{ref}/compat', () => {
  test.each<[string, Record<string, unknown>]>([
    ['1.1.0', { version: '1.1.0', against: '1.0.0', required: 'minor', actual: 'minor', ok: true, breaking: false }],
    ['2.0.0', { version: '2.0.0', against: '1.1.0', required: 'major', actual: 'major', ok: true, breaking: true }],
    ['latest?against=1.0.0', { version: '2.0.0', against: '1.0.0', required: 'major', ok: true }],
    ['1.1.0?against=2.0.0', { against: '2.0.0', actual: 'none', ok: false }],
    ['v1.0.0', { version: '1.0.0', against: null, required: 'none', actual: 'none', ok: true, breaking: false, changes: [] }],
  ])('%s', async (ref, want) => {
    const res = await call('get', COMPAT, `/api/v1/templates/acme/app/versions/${ref.replace('?', '/compat?')}${ref.includes('?') ? '' : '/compat'}`);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.json).toMatchObject({ template: 'acme/app', ...want });
  });

  test.each<[string, number, string]>([
    ['versions/main/compat', 404, 'version-not-found'], ['versions/9.9.9/compat', 404, 'version-not-found'],
    ['versions/1.1.0/compat?against=1.0.0&against=2.0.0', 400, 'invalid-input'],
  ])('%s -> %i %s', async (rest, status, code) => {
    expect((await call('get', COMPAT, `/api/v1/templates/acme/app/${rest}`)).json).toMatchObject({ status, code });
  });

  test('a ref at a commit without a version -> 400 invalid-input', async () => {
    expect((await call('get', COMPAT, `/api/v1/templates/acme/app/versions/${broken}/compat`)).json).toMatchObject({ status: 400, code: 'invalid-input' });
  });
});

describe('namespaces and the semver policy', () => {
  test('GET: 404 before the namespace has templates or settings; PATCH (admin): a partial update, then 422 semver-violation and warnings on publish', async () => {
    expect((await call('get', NS, '/api/v1/namespaces/strict')).json).toMatchObject({ status: 404, code: 'namespace-not-found' });
    expect((await call('patch', NS, '/api/v1/namespaces/strict', asJson({ semver: 'enforce' }))).json).toEqual({ namespace: 'strict', settings: { semver: 'enforce', anonymousRead: true } });
    expect((await call('patch', NS, '/api/v1/namespaces/strict', asJson({}))).json).toEqual({ namespace: 'strict', settings: { semver: 'enforce', anonymousRead: true } });
    expect((await call('get', NS, '/api/v1/namespaces/strict')).json).toEqual({ namespace: 'strict', settings: { semver: 'enforce', anonymousRead: true } });
    const v1 = hot('v1', FLAVOR('m1.small', 'm1.small'), SERVER('OS::Nova::Server'), ID);
    const v2 = hot('v2', '  flavor:\n    type: string\n    constraints:\n      - allowed_values: [m1.small]\n', SERVER('OS::Nova::Server'), ID); // the default removed: breaking
    for (const ns of ['strict', 'lenient']) expect((await call('post', PUBLISH, `/api/v1/templates/${ns}/app/versions`, asJson({ version: '1.0.0', files: { 'template.yaml': v1 } }))).json).toMatchObject({ warnings: [] });
    const refused = await call('post', PUBLISH, '/api/v1/templates/strict/app/versions', asJson({ version: '1.1.0', files: { 'template.yaml': v2 } }));
    expect(refused.json).toMatchObject({ status: 422, code: 'semver-violation', changes: [expect.stringMatching(/^template\.yaml: parameter flavor: default removed.*\(breaking, major\)$/)] });
    expect((refused.json as { detail: string }).detail).toMatch(/version 1\.1\.0 is a minor step from 1\.0\.0, but its changes need a major one/);
    const warned = await call('post', PUBLISH, '/api/v1/templates/lenient/app/versions', asJson({ version: '1.0.1', files: { 'template.yaml': v2 } }));
    expect(warned.status).toBe(201);
    expect((warned.json as { warnings: string[] }).warnings).toEqual(['version 1.0.1 is a patch step from 1.0.0, but its changes need a major one:', expect.stringMatching(/^ {2}template\.yaml: parameter flavor: default removed/)]);
    expect((await call('get', COMPAT, '/api/v1/templates/lenient/app/versions/1.0.1/compat')).json).toMatchObject({ required: 'major', actual: 'patch', ok: false });
    expect((await call('patch', NS, '/api/v1/namespaces/strict', asJson({ semver: 'off' }))).status).toBe(200);
    expect(JSON.parse(fs.readFileSync(path.join(server.reposDir, '.heater', 'namespaces', 'strict.json'), 'utf8'))).toEqual({ semver: 'off' });
    expect((await call('post', PUBLISH, '/api/v1/templates/strict/app/versions', asJson({ version: '1.1.0', files: { 'template.yaml': v2 } }))).json).toMatchObject({ version: '1.1.0', warnings: [] });
  });

  test.each<[string, Method, string, RequestInit, number, string]>([
    ['a bad name', 'get', '/api/v1/namespaces/Bad..Name', {}, 400, 'invalid-input'],
    ['no token', 'patch', '/api/v1/namespaces/acme', asJson({ semver: 'off' }, {}), 401, 'unauthenticated'],
    ['a wrong token', 'patch', '/api/v1/namespaces/acme', asJson({ semver: 'off' }, { authorization: 'Bearer wrong-token-0000000000' }), 401, 'invalid-token'],
    ['an unknown setting', 'patch', '/api/v1/namespaces/acme', asJson({ colour: 'red' }), 400, 'invalid-input'],
    ['an unknown policy', 'patch', '/api/v1/namespaces/acme', asJson({ semver: 'sometimes' }), 400, 'invalid-input'],
    ['a list', 'patch', '/api/v1/namespaces/acme', asJson([]), 400, 'invalid-input'],
    ['not JSON', 'patch', '/api/v1/namespaces/acme', { headers: { ...bearer, 'content-type': 'application/json' }, body: '{"semver":' }, 400, 'invalid-json'],
    ['over 4 KiB', 'patch', '/api/v1/namespaces/acme', asJson({ semver: 'x'.repeat(5000) }), 413, 'too-large'],
    ['latin-1', 'patch', '/api/v1/namespaces/acme', { headers: { ...bearer, 'content-type': 'application/json; charset=latin1' }, body: '{}' }, 415, 'unsupported-media-type'],
  ])('%s: %s %s', async (_why, method, url, init, status, code) => {
    const res = await call(method, NS, url, init);
    expect(res.json).toMatchObject({ status, code, instance: url });
    if (status === 401) expect(res.headers.get('www-authenticate')).toBe(code === 'invalid-token' ? 'Bearer realm="Heater", error="invalid_token"' : 'Bearer realm="Heater"');
  });
});

test.each([
  ['POST', '/api/v1/templates/acme/app/diff?from=1.0.0&to=1.1.0', 'GET, HEAD'], ['PUT', '/api/v1/templates/acme/app/versions/1.0.0/compat', 'GET, HEAD'],
  ['DELETE', '/api/v1/namespaces/acme', 'GET, HEAD, PATCH'],
])('%s %s (a documented path, another method) -> 405 with Allow: %s', async (method, url, allow) => {
  const res = await fetch(`${server.url}${url}`, { method });
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe(allow);
  expect(contract.schemaErrors(contract.schema('Problem'), await res.json())).toEqual([]);
});
