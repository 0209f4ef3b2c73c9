// Read links: who may make them, what they open (one template or one version, read only, REST and git), revocation, rotation, audit.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ReadLinks } from '../../src/auth/read-links';
import { ForbiddenError } from '../../src/errors/auth-error';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate, runGit, tempDir } from '../helpers/git-client';
import { OpenApiContract } from '../helpers/schema';

let server: TestServer;
let w: WorkRepo;
const tok: Record<string, string> = {};
const admin = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const api = (p: string) => `${server.url}/api/v1${p}`;
const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

interface Link { id: string; template: string; version: string | null; expires: string; url: string; prefix: string; cloneUrl: string | null }

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({ 'template.yaml': hotTemplate(1) }, 'one');
  await w.tag('v1.0.0');
  await w.commit({ 'template.yaml': hotTemplate(2), 'heater.yaml': 'entrypoint: main.yaml\n', 'main.yaml': hotTemplate(3) }, 'two');
  await w.tag('v1.1.0');
  await w.commit({ 'notes.txt': 'no version here\n' }, 'three');
  await w.tag('wip', { lightweight: true });
  for (const ns of ['vault', 'acme']) await gitOk(['push', '-q', `${server.authUrl}/${ns}/web.git`, 'main', '--tags'], { cwd: w.dir });
  await fetch(api('/namespaces/vault'), { method: 'PATCH', headers: admin, body: '{"anonymousRead":false}' });
  for (const [name, scopes] of [['reader', ['read:vault']], ['other', ['write:acme']]] as const) {
    const r = await fetch(api('/tokens'), { method: 'POST', headers: admin, body: JSON.stringify({ name, scopes }) });
    tok[name] = ((await r.json()) as { token: string }).token;
  }
});
afterAll(async () => { await w.cleanup(); await server.close(); });

const bearer = (who: string): Record<string, string> => ({ Authorization: `Bearer ${who === 'admin' ? TOKEN : tok[who] ?? ''}`, 'Content-Type': 'application/json' });
const create = (body: unknown, headers: Record<string, string> = admin, template = 'vault/web') =>
  fetch(api(`/templates/${template}/links`), { method: 'POST', headers, body: JSON.stringify(body) });
async function link(body: Record<string, string> = {}, who = 'admin'): Promise<Link> {
  const res = await create(body, bearer(who));
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as Link;
}

test('a link to a version: its entrypoint\'s URL, carrying the capability in the path; the answer is not cached; the creation is audited, the token never', async () => {
  const res = await create({ version: 'v1.1.0', expires: '24h' });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const l = (await res.json()) as Link;
  expect(l).toMatchObject({ template: 'vault/web', version: '1.1.0', cloneUrl: null });
  expect(l.id).toMatch(/^[0-9a-f]{24}$/);
  expect(l.prefix).toMatch(new RegExp(`^${server.url}/l/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
  expect(l.url).toBe(`${l.prefix}/api/v1/templates/vault/web/versions/1.1.0/files/main.yaml`);
  expect(Math.abs(Date.parse(l.expires) - Date.now() - 86_400_000)).toBeLessThan(5000);
  const file = await fetch(l.url);
  expect(file.status).toBe(200);
  expect(await file.text()).toBe(hotTemplate(3));
  expect(file.headers.get('cache-control')).toBe('private, max-age=31536000, immutable'); // never kept by a shared cache past the link's life
  const audit = await readFile(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8');
  expect(audit).toMatch(new RegExp(`"action":"link.create","actor":\\{"name":"admin","address":"[^"]+"\\},"template":"vault/web","ok":true,"detail":"link ${l.id} to version 1.1.0 until ${l.expires}"`));
  expect(audit).not.toContain(l.prefix.slice(l.prefix.lastIndexOf('/') + 1));
});

test('JSON that is not for everyone is kept by the client only: through a link, of a private namespace, a listing for a token', async () => {
  const whole = await link();
  const cc = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    expect({ url, status: res.status }).toEqual({ url, status: 200 });
    return res.headers.get('cache-control');
  };
  expect(await cc(`${whole.url}/versions`)).toBe('private, no-cache');
  expect(await cc(api('/templates/vault/web/versions'), bearer('reader'))).toBe('private, no-cache');
  expect(await cc(api('/templates'), bearer('reader'))).toBe('private, no-cache');
  expect(await cc(api('/namespaces'), bearer('reader'))).toBe('private, no-cache');
  // public answers to anyone stay as they were
  expect(await cc(api('/templates/acme/web/versions'))).toBe('no-cache');
  expect(await cc(api('/templates'))).toBe('no-cache');
  expect(await cc(api('/templates/acme/web/versions'), bearer('other'))).toBe('no-cache');
});

test('the version is anything that resolves to one; without it the link is for the whole template (and its git remote)', async () => {
  expect((await link({ version: '^1.0' })).version).toBe('1.1.0');
  expect((await link({ version: 'latest' })).url).toMatch(/\/versions\/1\.1\.0\/files\/main\.yaml$/);
  const whole = await link();
  expect(whole).toMatchObject({ version: null, url: `${whole.prefix}/api/v1/templates/vault/web`, cloneUrl: `${whole.prefix}/vault/web.git` });
  expect(Math.abs(Date.parse(whole.expires) - Date.now() - 7 * 86_400_000)).toBeLessThan(5000); // a week unless asked otherwise
});

test.each<[string, unknown, string, number, string]>([
  ['a label on no version', { version: 'wip' }, 'vault/web', 400, 'invalid-input'],
  ['no such version', { version: '9.9.9' }, 'vault/web', 404, 'version-not-found'],
  ['no such template', {}, 'vault/nothing', 404, 'template-not-found'],
  ['an expiry past 90 days', { expires: '91d' }, 'vault/web', 400, 'invalid-input'],
  ['an expiry in the past', { expires: '2020-01-01T00:00:00Z' }, 'vault/web', 400, 'invalid-input'],
  ['an unknown field', { scope: 'write' }, 'vault/web', 400, 'invalid-input'],
  ['a list', [], 'vault/web', 400, 'invalid-input'],
])('asking for a link with %s is refused', async (_why, body, template, status, code) => {
  const res = await create(body, admin, template);
  expect(await res.json()).toMatchObject({ status, code });
});

test.each<[string, string | null, number, string]>([
  ['anonymous', null, 401, 'vault/web'],
  ['a token that may not read the namespace', 'other', 404, 'vault/web'],
  ['a token with read on it', 'reader', 201, 'vault/web'],
  ['a token on a public template it has no scope for', 'other', 201, 'acme/web'],
])('making a link: %s (%s) -> %d', async (_why, who, status, template) => {
  expect((await create({}, who === null ? { 'Content-Type': 'application/json' } : bearer(who), template)).status).toBe(status);
});

test('a link reads, and only reads, its template: writes, other templates, listings and new links are refused', async () => {
  const whole = await link();
  const via = (p: string, init: RequestInit = {}) => fetch(`${whole.prefix}${p}`, init);
  expect((await via('/api/v1/templates/vault/web')).status).toBe(200);
  expect((await via('/api/v1/templates/vault/web/versions')).status).toBe(200);
  expect((await via('/api/v1/templates/vault/web/diff?from=1.0.0&to=1.1.0')).status).toBe(200);
  const refused = async (p: string, init: RequestInit = {}) => {
    const res = await via(p, init);
    return { status: res.status, ...((await res.json()) as { code: string }) };
  };
  expect(await refused('/api/v1/templates/vault/web/versions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"version":"2.0.0","files":{"a":"b"}}' }))
    .toMatchObject({ status: 403, code: 'forbidden', detail: 'A read link can only read; to write, use a token.' });
  expect(await refused('/api/v1/templates/vault/web/links', { method: 'POST' })).toMatchObject({ status: 403, detail: 'A read link can only read; to share, use a token.' });
  expect(await refused('/api/v1/templates/acme/web')).toMatchObject({ status: 403, detail: 'This link is for vault/web only.' });
  expect(await refused('/api/v1/templates/vault/other')).toMatchObject({ status: 404, code: 'template-not-found' }); // private: hidden
  expect(await refused('/api/v1/templates')).toMatchObject({ status: 403 });
  expect(await refused('/api/v1/templates/vault/web', { headers: { Authorization: `Bearer ${TOKEN}` } })).toMatchObject({ status: 400, code: 'invalid-input' });
  expect(await (await via('/api/v1/whoami')).json()).toEqual({ anonymous: false, name: `link:${whole.id}`, admin: false, scopes: [], link: { template: 'vault/web', version: null, expires: whole.expires.replace(/\.\d{3}Z$/, '.000Z') } });
  const version = await link({ version: '1.0.0' });
  expect((await fetch(`${version.prefix}/api/v1/templates/vault/web/versions/1.0.0/archive.zip`)).status).toBe(200);
  expect((await fetch(`${version.prefix}/api/v1/templates/vault/web/versions/v1.0.0/files/template.yaml`)).status).toBe(200);
  for (const p of ['/versions', '/versions/latest/files/template.yaml', '/versions/1.1.0/files/template.yaml', '/diff?from=1.0.0&to=1.0.0']) {
    expect({ p, status: (await fetch(`${version.prefix}/api/v1/templates/vault/web${p}`)).status }).toEqual({ p, status: 403 });
  }
});

test('git: a link to the whole template clones it, never pushes; a link to one version is told why it cannot clone', async () => {
  const dir = await tempDir();
  try {
    const whole = await link();
    await gitOk(['clone', '-q', whole.cloneUrl ?? '', `${dir}/c`]);
    expect((await gitOk(['tag'], { cwd: `${dir}/c` })).split('\n').filter(Boolean)).toEqual(['v1.0.0', 'v1.1.0', 'wip']);
    const push = await runGit(['-C', `${dir}/c`, 'push', whole.cloneUrl ?? '', 'HEAD:refs/heads/x']);
    expect(push.stderr).toContain('remote: A read link can only read; to write, use a token.');
    const version = await link({ version: '1.0.0' });
    const clone = await runGit(['clone', `${version.prefix}/vault/web.git`, `${dir}/d`]);
    expect(clone.stderr).toContain('remote: This link is for version 1.0.0 of vault/web only: read that version, by its number.');
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('revoking one link (anyone who may make it) stops that link only, at once; revoking is audited', async () => {
  const [a, b] = [await link({ version: '1.0.0' }, 'reader'), await link({ version: '1.0.0' })];
  const del = (id: string, who: string) => fetch(api(`/templates/vault/web/links/${id}`), { method: 'DELETE', headers: bearer(who) });
  expect((await del(a.id, 'other')).status).toBe(404);
  expect((await del('not-an-id', 'reader')).status).toBe(400);
  expect((await del(a.id, 'reader')).status).toBe(204);
  const refused = await fetch(a.url);
  expect({ status: refused.status, ...((await refused.json()) as object) }).toMatchObject({ status: 403, code: 'invalid-link', detail: 'This link was revoked; ask for a new one.' });
  expect((await fetch(b.url)).status).toBe(200);
  expect(await readFile(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8')).toContain(`"action":"link.revoke","actor":{"name":"reader"`);
});

test('rotating the secret (registry admins, over REST or with the CLI) revokes every link; new ones work', async () => {
  const old = await link();
  expect((await fetch(api('/links/rotate-secret'), { method: 'POST', headers: bearer('reader') })).status).toBe(403);
  expect((await fetch(api('/links/rotate-secret'), { method: 'POST', headers: admin })).status).toBe(204);
  const refused = await fetch(old.url);
  expect(await refused.json()).toMatchObject({ status: 403, code: 'invalid-link', detail: expect.stringMatching(/^This link is not valid: it was altered, or signed with a secret that has since been rotated/) });
  const fresh = await link();
  expect((await fetch(fresh.url)).status).toBe(200);
  const cli = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [MAIN, 'link', 'rotate-secret', '--repos', server.reposDir], (e, _out, stderr) => resolve({ code: e ? 1 : 0, stderr }));
  });
  expect(cli).toEqual({ code: 0, stderr: expect.stringMatching(/rotated the link secret/) });
  expect((await fetch(fresh.url)).status).toBe(403);
  // both rotations are in the audit log: the REST one by the admin, the CLI's by the OS user, via cli
  const rotations = (await readFile(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8')).trim().split('\n')
    .map((l) => JSON.parse(l) as { action: string; via?: string; actor: { address: string } }).filter((l) => l.action === 'link.rotate-secret');
  expect(rotations.map((r) => r.via).slice(-2)).toEqual(['rest', 'cli']);
  expect(rotations.at(-1)?.actor.address).toBe('local');
  const secret = await stat(path.join(server.reposDir, '.heater', 'link-secret'));
  expect(secret.mode & 0o777).toBe(0o600);
});

test('the link routes answer as docs/openapi.yaml says', async () => {
  const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));
  const LINKS = '/api/v1/templates/{ns}/{name}/links';
  const made = await contract.call(server.url, 'post', LINKS, '/api/v1/templates/vault/web/links', { headers: admin, body: '{"version":"1.0.0","expires":"1h"}' });
  const whole = await contract.call(server.url, 'post', LINKS, '/api/v1/templates/vault/web/links', { headers: { Authorization: `Bearer ${TOKEN}` } }); // no body: every version, a week
  expect((whole.json as Link).version).toBeNull();
  const l = made.json as Link;
  await contract.call(server.url, 'get', '/api/v1/whoami', `${l.prefix.slice(server.url.length)}/api/v1/whoami`);
  await contract.call(server.url, 'get', '/api/v1/templates/{ns}/{name}/versions/{ref}/files/{path}', `${l.url.slice(server.url.length)}`);
  await contract.call(server.url, 'delete', `${LINKS}/{id}`, `/api/v1/templates/vault/web/links/${l.id}`, { headers: admin });
  const refused = await contract.call(server.url, 'get', '/api/v1/templates/{ns}/{name}/versions/{ref}/files/{path}', `${l.url.slice(server.url.length)}`);
  expect(refused.json).toMatchObject({ status: 403, code: 'invalid-link' });
  await contract.call(server.url, 'post', '/api/v1/links/rotate-secret', '/api/v1/links/rotate-secret', { headers: admin });
});

describe('ReadLinks, on its own', () => {
  let dir: string;
  let now = Date.parse('2026-03-01T00:00:00Z');
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'heater-links-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  test('a link holds until its expiry; the secret is made once and kept across opens', async () => {
    const links = await ReadLinks.open(dir, () => now);
    const { id, token } = await links.sign('acme/web', '1.2.0', new Date(now + 60_000));
    expect(links.verify(token)).toEqual({ kind: 'link', name: `link:${id}`, id, template: 'acme/web', version: '1.2.0', expires: new Date(now + 60_000) });
    expect((await ReadLinks.open(dir, () => now)).verify(token).id).toBe(id);
    now += 60_000;
    expect(() => links.verify(token)).toThrow(new ForbiddenError('This link expired at 2026-03-01T00:01:00.000Z; ask for a new one.', 'invalid-link'));
  });

  test.each([['empty', ''], ['one part', 'x'], ['no signature of ours', 'a.b'], ['three parts', 'a.b.c'], ['too long', `${'A'.repeat(3000)}.b`]])('%s is not a link', async (_why, token) => {
    const links = await ReadLinks.open(dir, () => now);
    expect(() => links.verify(token)).toThrow(ForbiddenError);
  });

  test('an unreadable list of revoked links fails closed', async () => {
    const links = await ReadLinks.open(dir, () => now);
    const { token } = await links.sign('acme/web', null, new Date(now + 60_000));
    await writeFile(path.join(dir, 'revoked-links.json'), '{ not json');
    expect(() => links.verify(token)).toThrow('This link cannot be checked now: the server cannot read its list of revoked links.');
  });
});
