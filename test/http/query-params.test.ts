// Unknown query parameters are refused on every route, REST and git: 400 naming the parameter, nothing written, never kept.
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate, tempDir } from '../helpers/git-client';

let server: TestServer;
let w: WorkRepo;
const T = '/api/v1/templates/acme/web';
const admin = { Authorization: `Bearer ${TOKEN}` };
const jsonAdmin = { ...admin, 'Content-Type': 'application/json' };

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  for (const [i, v] of ['v1.0.0', 'v1.1.0'].entries()) {
    await w.commit({ 'template.yaml': hotTemplate(i + 1) }, `release ${v}`);
    await w.tag(v);
  }
  await w.tag('stable', { lightweight: true, at: 'v1.0.0' });
  const r = await w.run(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => { await w.cleanup(); await server.close(); });

interface Call { readonly method: string; readonly path: string; readonly headers?: Record<string, string>; readonly body?: string; readonly ok: number }

/** Every REST route but the catalog listing, the changelog, dependencies, dependents, audit and the namespace list (their own tests cover them), with a request it answers. */
const READS: readonly Call[] = [
  { method: 'GET', path: `${T}/versions`, ok: 200 },
  { method: 'GET', path: `${T}/versions/1.0.0`, ok: 200 },
  { method: 'HEAD', path: `${T}/versions/stable`, ok: 200 },
  { method: 'GET', path: `${T}/versions/1.1.0/compat?against=1.0.0`, ok: 200 },
  { method: 'GET', path: `${T}/versions/1.0.0/files/template.yaml`, ok: 200 },
  { method: 'GET', path: `${T}/versions/1.0.0/archive.tar.gz`, ok: 200 },
  { method: 'GET', path: `${T}/versions/1.0.0/archive.zip`, ok: 200 },
  { method: 'GET', path: T, ok: 200 },
  { method: 'GET', path: `${T}/diff?from=1.0.0&to=1.1.0&format=patch`, ok: 200 },
  { method: 'GET', path: '/api/v1/tokens', headers: admin, ok: 200 },
  { method: 'GET', path: '/api/v1/whoami', ok: 200 },
  { method: 'GET', path: '/api/v1/namespaces/acme', ok: 200 },
  { method: 'GET', path: '/metrics', ok: 200 },
  { method: 'GET', path: '/healthz', ok: 200 },
  { method: 'GET', path: '/readyz', ok: 200 },
];

const withParam = (p: string, q: string) => `${p}${p.includes('?') ? '&' : '?'}${q}`;

async function send(c: Call, path = c.path): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: c.method, headers: c.headers ?? {}, ...(c.body !== undefined ? { body: c.body } : {}) });
}

async function expectRefused(c: Call, path: string, name: string): Promise<void> {
  const r = await send(c, path);
  expect({ path, method: c.method, status: r.status }).toEqual({ path, method: c.method, status: 400 });
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (c.method !== 'HEAD') {
    const p = await r.json() as { code: string; detail: string; param?: string };
    expect(p.code).toBe('invalid-input');
    expect(p.detail).toContain(name);
  }
}

test.each(READS.map((c) => [`${c.method} ${c.path}`, c] as const))('%s: answers without an unknown parameter, refuses one with it', async (_n, c) => {
  expect((await send(c)).status).toBe(c.ok);
  await expectRefused(c, withParam(c.path, 'bogus=1'), 'bogus');
  await expectRefused(c, withParam(c.path, 'bogus'), 'bogus'); // a bare name is a parameter too
});

test('a known parameter given twice is refused too', async () => {
  await expectRefused({ method: 'GET', path: '', ok: 200 }, `${T}/versions/1.1.0/compat?against=1.0.0&against=1.0.0`, 'against');
  await expectRefused({ method: 'GET', path: '', ok: 200 }, `${T}/diff?from=1.0.0&to=1.1.0&to=1.1.0`, 'to');
});

test('a read with an unknown parameter is never kept: the answer cache stays out of reach of made-up query strings', async () => {
  const entries = async () => Number(/^heater_answer_cache_entries (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
  const p = `${T}/versions/1.0.0/files/template.yaml`;
  for (let i = 0; i < 3; i++) await fetch(`${server.url}${p}`);
  const before = await entries();
  for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}${p}?n=${i}`)).status).toBe(400);
  for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}${p}?n=${i}`)).status).toBe(400); // the same again: still the route's answer
  expect(await entries()).toBe(before);
});

test('writes with an unknown parameter are refused before anything is written', async () => {
  const refs = () => execFileSync('git', ['--git-dir', `${server.reposDir}/acme/web.git`, 'for-each-ref', '--format=%(refname) %(objectname)'], { encoding: 'utf8' });
  const tokens = async () => ((await (await fetch(`${server.url}/api/v1/tokens`, { headers: admin })).json()) as { tokens: unknown[] }).tokens.length;
  const settings = async () => (await fetch(`${server.url}/api/v1/namespaces/acme`)).text();
  const before = { refs: refs(), tokens: await tokens(), settings: await settings() };
  const writes: readonly Call[] = [
    { method: 'PUT', path: `${T}/labels/next`, headers: jsonAdmin, body: '{"ref":"1.1.0"}', ok: 200 },
    { method: 'DELETE', path: `${T}/labels/stable`, headers: admin, ok: 204 },
    { method: 'POST', path: `${T}/versions/1.0.0/deprecate`, headers: jsonAdmin, body: '{"message":"old"}', ok: 200 },
    { method: 'DELETE', path: `${T}/versions/1.0.0/yank`, headers: admin, ok: 200 },
    { method: 'DELETE', path: `${T}/versions/1.1.0`, headers: admin, ok: 204 },
    { method: 'POST', path: '/api/v1/templates', headers: jsonAdmin, body: '{"namespace":"acme","name":"fresh"}', ok: 201 },
    { method: 'DELETE', path: T, headers: admin, ok: 204 },
    { method: 'POST', path: '/api/v1/tokens', headers: jsonAdmin, body: '{"name":"ci","scopes":["read:acme"]}', ok: 201 },
    { method: 'DELETE', path: '/api/v1/tokens/0123456789abcdef', headers: admin, ok: 404 },
    { method: 'POST', path: `${T}/links`, headers: jsonAdmin, body: '{"version":"1.0.0"}', ok: 201 },
    { method: 'DELETE', path: `${T}/links/0123456789abcdef01234567`, headers: admin, ok: 204 },
    { method: 'POST', path: '/api/v1/links/rotate-secret', headers: admin, ok: 204 },
    { method: 'PATCH', path: '/api/v1/namespaces/acme', headers: jsonAdmin, body: '{"visibility":"private"}', ok: 200 },
  ];
  for (const c of writes) await expectRefused(c, withParam(c.path, 'dry=1'), 'dry');
  expect({ refs: refs(), tokens: await tokens(), settings: await settings() }).toEqual(before);
  expect((await fetch(`${server.url}/api/v1/templates/acme/fresh`)).status).toBe(404);
  // and the same write without it goes through (a label move)
  expect((await send(writes[0] as Call)).status).toBe(200);
  expect(refs()).toContain('refs/tags/next');
});

test('a publish with an unknown parameter is refused before its body is read', async () => {
  const r = await fetch(`${server.url}${T}/versions?bogus=1`, { method: 'POST', headers: jsonAdmin, body: '{' }); // not even JSON
  expect(r.status).toBe(400);
  const p = await r.json() as { code: string; detail: string };
  expect(p).toMatchObject({ code: 'invalid-input', detail: expect.stringContaining('bogus') as unknown });
  expect(p.detail).toContain('version, message, dryRun');
});

test('a stranger is still told to authenticate first: the credential check comes before the query check, on REST and git', async () => {
  expect((await fetch(`${server.url}/api/v1/tokens?bogus=1`)).status).toBe(401);
  expect((await fetch(`${server.url}${T}/labels/x?bogus=1`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"ref":"1.0.0"}' })).status).toBe(401);
  expect((await fetch(`${server.url}/api/v1/whoami?bogus=1`, { headers: { Authorization: 'Bearer not-a-token' } })).status).toBe(401);
  expect((await fetch(`${server.url}/api/v1/whoami?bogus=1`)).status).toBe(400); // anonymous is a valid caller of whoami
  const push = await fetch(`${server.url}/acme/web.git/info/refs?service=git-receive-pack&bogus=1`);
  expect(push.status).toBe(401);
  expect(push.headers.get('www-authenticate')).toMatch(/^Basic /);
  expect((await fetch(`${server.url}/acme/web.git/git-receive-pack?bogus=1`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-receive-pack-request' }, body: '0000' })).status).toBe(401);
  const metrics = await startServer({ metricsToken: 'metrics-token-0123456789abcdef' });
  try {
    expect((await fetch(`${metrics.url}/metrics?bogus=1`)).status).toBe(401);
    expect((await fetch(`${metrics.url}/metrics?bogus=1`, { headers: { Authorization: 'Bearer metrics-token-0123456789abcdef' } })).status).toBe(400);
  } finally { await metrics.close(); }
});

test('through a read link: the link is checked, then the query', async () => {
  const made = await fetch(`${server.url}${T}/links`, { method: 'POST', headers: jsonAdmin, body: '{"version":"1.0.0"}' });
  expect(made.status).toBe(201);
  const { prefix } = await made.json() as { prefix: string };
  const file = `${new URL(prefix).pathname}${T}/versions/1.0.0/files/template.yaml`;
  expect((await fetch(`${server.url}${file}`)).status).toBe(200);
  await expectRefused({ method: 'GET', path: file, ok: 200 }, `${file}?bogus=1`, 'bogus');
  expect((await fetch(`${server.url}/l/not-a-link${T}/versions/1.0.0/files/template.yaml?bogus=1`)).status).toBeGreaterThanOrEqual(401);
});

test('git routes: an unknown parameter is one plain-text line and a 400; git itself, which sends none, still clones', async () => {
  for (const [method, p] of [
    ['GET', '/acme/web.git/info/refs?service=git-upload-pack&bogus=1'],
    ['GET', '/acme/web.git/info/refs?bogus=1&service=git-receive-pack'],
    ['POST', '/acme/web.git/git-upload-pack?bogus=1'],
    ['POST', '/acme/web.git/git-receive-pack?bogus=1'],
    ['HEAD', '/acme/web.git/info/refs?service=git-upload-pack&bogus=1'],
  ] as const) {
    const r = await fetch(`${server.url}${p}`, { method, headers: { ...admin, 'Content-Type': `application/x-${p.includes('receive') ? 'git-receive-pack' : 'git-upload-pack'}-request` }, ...(method === 'POST' ? { body: '0000' } : {}) });
    const text = await r.text();
    expect({ p, method, status: r.status }).toEqual({ p, method, status: 400 });
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    if (method === 'HEAD') continue;
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toContain('bogus');
  }
  const dir = await tempDir('heater-query-clone-');
  try {
    await gitOk(['clone', '-q', `${server.url}/acme/web.git`, dir]);
    expect(execFileSync('git', ['-C', dir, 'tag'], { encoding: 'utf8' })).toContain('v1.1.0');
  } finally { await rm(dir, { recursive: true, force: true }); }
});
