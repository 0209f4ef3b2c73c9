// /api/v1/templates: create, list with cursors, show, delete; auth and hostile names.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { rawGet as rawGetAt } from '../helpers/http';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const auth = () => ({ Authorization: `Bearer ${server.token}` });
const post = (body: unknown, headers: Record<string, string> = { ...auth(), 'Content-Type': 'application/json' }) =>
  fetch(`${server.url}/api/v1/templates`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Repositories on disk, whatever their names. */
function countRepos(): number {
  return fs.readdirSync(server.reposDir).filter((d) => !d.startsWith('.'))
    .reduce((n, ns) => n + fs.readdirSync(path.join(server.reposDir, ns)).length, 0);
}


test('POST creates an empty template: 201, Location, clone URL; a second POST is 409', async () => {
  const res = await post({ namespace: 'acme', name: 'db', description: 'A database' });
  expect(res.status).toBe(201);
  expect(res.headers.get('location')).toBe('/api/v1/templates/acme/db');
  const body = await res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ id: 'acme/db', namespace: 'acme', name: 'db', description: 'A database', latestVersion: null, versionCount: 0, labels: [], defaultBranch: 'main' });
  expect(body.cloneUrl).toBe(`${server.url}/acme/db.git`);
  expect(Date.parse(String(body.created))).not.toBeNaN();
  const again = await post({ namespace: 'acme', name: 'db' });
  expect(again.status).toBe(409);
  expect(again.headers.get('content-type')).toBe('application/problem+json');
  expect((await again.json() as { code: string }).code).toBe('template-exists');
});

test('a created template is pushable and shows its versions', async () => {
  await post({ namespace: 'acme', name: 'later' });
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1) });
    await w.tag('v0.1.0');
    expect((await w.run(['push', `${server.authUrl}/acme/later.git`, 'main', 'v0.1.0'])).code).toBe(0);
    const body = await (await fetch(`${server.url}/api/v1/templates/acme/later`)).json() as Record<string, unknown>;
    expect(body.latestVersion).toBe('0.1.0');
  } finally { await w.cleanup(); }
});

test.each([
  ['no token', {}, 401],
  ['a wrong token', { Authorization: 'Bearer not-the-token-at-all' }, 401],
  ['a malformed header', { Authorization: 'Token abc' }, 401],
])('POST with %s is refused (%i) and writes nothing', async (what, headers, status) => {
  const res = await post({ namespace: 'acme', name: 'nope' }, { ...headers, 'Content-Type': 'application/json' } as Record<string, string>);
  expect(res.status).toBe(status);
  expect(res.headers.get('www-authenticate')).toBe(what === 'no token' ? 'Bearer realm="Heater"' : 'Bearer realm="Heater", error="invalid_token"');
  expect(fs.existsSync(path.join(server.reposDir, 'acme', 'nope.git'))).toBe(false);
});

test.each([
  ['not JSON', '{"namespace":', 400, 'invalid-json'],
  ['an array', '[]', 400, 'invalid-input'],
  ['no name', { namespace: 'acme' }, 400, 'invalid-input'],
  ['a number for a name', { namespace: 'acme', name: 5 }, 400, 'invalid-input'],
  ['upper case', { namespace: 'Acme', name: 'x' }, 400, 'invalid-input'],
  ['dot-dot', { namespace: 'acme', name: 'a..b' }, 400, 'invalid-input'],
  ['a .git suffix', { namespace: 'acme', name: 'x.git' }, 400, 'invalid-input'],
  ['a slash', { namespace: 'acme', name: 'a/b' }, 400, 'invalid-input'],
  ['a leading dash', { namespace: 'acme', name: '-x' }, 400, 'invalid-input'],
  ['NUL', { namespace: 'acme', name: 'a\u0000b' }, 400, 'invalid-input'],
  ['65 characters', { namespace: 'acme', name: 'a'.repeat(65) }, 400, 'invalid-input'],
  ['an absolute path', { namespace: '/etc', name: 'passwd' }, 400, 'invalid-input'],
  ['a control character in the description', { namespace: 'acme', name: 'ok', description: 'a\u0007b' }, 400, 'invalid-input'],
  ['an overlong description', { namespace: 'acme', name: 'ok', description: 'd'.repeat(1025) }, 400, 'invalid-input'],
])('POST with %s is 400 with a sentence', async (_what, body, status, code) => {
  const before = countRepos();
  const res = await post(body);
  expect(res.status).toBe(status);
  const p = await res.json() as Record<string, unknown>;
  expect(p).toMatchObject({ status, code });
  expect(String(p.detail)).toMatch(/[A-Za-z].*\./);
  expect(countRepos()).toBe(before);
});

test('POST with a body over the limit is 413', async () => {
  const res = await post({ namespace: 'acme', name: 'big', description: 'x'.repeat(70_000) });
  expect(res.status).toBe(413);
});

test('GET /templates pages through every template with a cursor', async () => {
  for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) expect((await post({ namespace: 'paged', name: n })).status).toBe(201);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await (await fetch(`${server.url}/api/v1/templates?limit=2${q}`)).json() as { items: { id: string; latestVersion: null; updated: string }[]; nextCursor: string | null };
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  expect(seen.filter((s) => s.startsWith('paged/'))).toEqual(['paged/p1', 'paged/p2', 'paged/p3', 'paged/p4', 'paged/p5']);
  expect(new Set(seen).size).toBe(seen.length);
});

test.each([['0'], ['101'], ['x'], ['-1'], ['1.5']])('GET /templates?limit=%s is 400', async (limit) => {
  const res = await fetch(`${server.url}/api/v1/templates?limit=${limit}`);
  expect(res.status).toBe(400);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
});

test('GET /templates with a forged cursor is 400', async () => {
  const res = await fetch(`${server.url}/api/v1/templates?cursor=${Buffer.from('../../etc').toString('base64url')}`);
  expect(res.status).toBe(400);
});

test.each([
  ['/api/v1/templates/acme/..', 400],
  ['/api/v1/templates/acme/%2e%2e', 400],
  ['/api/v1/templates/%2e%2e/%2e%2e', 400],
  ['/api/v1/templates/acme/a%2Fb', 400],
  ['/api/v1/templates/acme/a%00b', 400],
  ['/api/v1/templates/acme/A', 400],
  [`/api/v1/templates/acme/${'a'.repeat(300)}`, 400],
  ['/api/v1/templates/acme/x.git', 400],
  ['/api/v1/templates/%2Fetc/passwd', 400],
  ['/api/v1/templates/acme/no-such', 404],
  ['/api/v1/templates/nobody/db', 404],
  ['/api/v1/nothing', 404],
])('GET %s -> %i as problem+json', async (p, status) => {
  const res = await rawGet(p);
  expect(res.status).toBe(status);
  expect(res.type).toBe('application/problem+json');
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status });
  expect(typeof body.type).toBe('string');
  expect(typeof body.title).toBe('string');
  expect(String(body.detail).length).toBeGreaterThan(10);
});

test('DELETE needs the admin token, removes the repository, then 404', async () => {
  await post({ namespace: 'gone', name: 'soon' });
  const url = `${server.url}/api/v1/templates/gone/soon`;
  expect((await fetch(url, { method: 'DELETE' })).status).toBe(401);
  expect((await fetch(url, { method: 'DELETE', headers: { Authorization: 'Bearer wrong-token-xxxxxxxx' } })).status).toBe(401);
  expect((await fetch(url, { method: 'DELETE', headers: auth() })).status).toBe(204);
  expect(fs.existsSync(path.join(server.reposDir, 'gone', 'soon.git'))).toBe(false);
  expect((await fetch(url)).status).toBe(404);
  expect((await fetch(url, { method: 'DELETE', headers: auth() })).status).toBe(404);
});

test('GET /healthz is ready', async () => {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});

const rawGet = (p: string) => rawGetAt(server.url, p);
