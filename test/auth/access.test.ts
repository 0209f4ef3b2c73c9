// Access control: every kind of caller against reads and writes, public and private, through REST and git; tokens from the API and the CLI.
import { execFile } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

let server: TestServer;
const tok: Record<string, string> = {};
const admin = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const api = (p: string) => `${server.url}/api/v1${p}`;
const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'token', ...args, '--repos', server.reposDir], (e, stdout, stderr) => resolve({ code: e ? (e as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  server = await startServer({ maxAuthFailures: 10_000 });
  const make = async (name: string, scopes: string[], expires?: string) => {
    const res = await fetch(api('/tokens'), { method: 'POST', headers: admin, body: JSON.stringify({ name, scopes, ...(expires ? { expires } : {}) }) });
    if (res.status !== 201) throw new Error(`${name}: ${res.status} ${await res.text()}`);
    tok[name] = ((await res.json()) as { token: string }).token;
  };
  await make('writer-acme', ['write:acme']);
  await make('writer-other', ['write:other']);
  await make('reader', ['read']);
  await make('vault-reader', ['read:vault']);
  await make('admin-acme', ['admin:acme']);
  await make('admin2', ['admin']);
  await make('revoked', ['write']);
  expect((await fetch(api(`/tokens/revoked`), { method: 'DELETE', headers: admin })).status).toBe(204);
  const expiresAt = Date.now() + 1500;
  const soon = await cli(['create', '--name', 'expired', '--scope', 'write', '--expires', new Date(expiresAt).toISOString()]);
  tok.expired = soon.stdout.trim();
  for (const ns of ['acme', 'vault']) {
    const r = await fetch(api(`/templates/${ns}/app/versions`), { method: 'POST', headers: admin, body: JSON.stringify({ version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } }) });
    if (r.status !== 201) throw new Error(await r.text());
  }
  expect((await fetch(api('/namespaces/vault'), { method: 'PATCH', headers: admin, body: '{"anonymousRead":false}' })).status).toBe(200);
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 100 - Date.now()))); // the fixtures above took some of it
});
afterAll(async () => { await server.close(); });

type Caller = 'anonymous' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'reader' | 'vault-reader' | 'writer-acme' | 'writer-other' | 'admin-acme' | 'admin2';
const UNKNOWN = 'heater_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const secret = (c: Caller) => (c === 'unknown' ? UNKNOWN : tok[c] ?? '');
const headerFor = (c: Caller): Record<string, string> => (c === 'anonymous' ? {} : c === 'malformed' ? { Authorization: 'Token nope' } : { Authorization: `Bearer ${secret(c)}` });
const basicFor = (c: Caller): Record<string, string> => (c === 'anonymous' ? {} : c === 'malformed' ? { Authorization: 'Basic bm8tY29sb24=' } : { Authorization: `Basic ${Buffer.from(`x:${secret(c)}`).toString('base64')}` });
let seq = 0;

const ops: Record<string, (c: Caller) => Promise<number>> = {
  'read public': async (c) => (await fetch(api('/templates/acme/app/versions/1.0.0/files/template.yaml'), { headers: headerFor(c) })).status,
  'read private': async (c) => (await fetch(api('/templates/vault/app'), { headers: headerFor(c) })).status,
  'publish to acme': async (c) => (await fetch(api(`/templates/acme/pub${++seq}/versions`), { method: 'POST', headers: { ...headerFor(c), 'Content-Type': 'application/json' }, body: JSON.stringify({ version: '1.0.0', files: { 'a.txt': 'a' } }) })).status,
  'create in acme': async (c) => (await fetch(api('/templates'), { method: 'POST', headers: { ...headerFor(c), 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: 'acme', name: `new${++seq}` }) })).status,
  'delete in acme': async (c) => {
    const name = `del${++seq}`;
    await fetch(api('/templates'), { method: 'POST', headers: admin, body: JSON.stringify({ namespace: 'acme', name }) });
    return (await fetch(api(`/templates/acme/${name}`), { method: 'DELETE', headers: headerFor(c) })).status;
  },
  'settings of acme': async (c) => (await fetch(api('/namespaces/acme'), { method: 'PATCH', headers: { ...headerFor(c), 'Content-Type': 'application/json' }, body: '{"semver":"warn"}' })).status,
  'list tokens': async (c) => (await fetch(api('/tokens'), { headers: headerFor(c) })).status,
  'git fetch public': async (c) => (await fetch(`${server.url}/acme/app.git/info/refs?service=git-upload-pack`, { headers: basicFor(c) })).status,
  'git fetch private': async (c) => (await fetch(`${server.url}/vault/app.git/info/refs?service=git-upload-pack`, { headers: basicFor(c) })).status,
  'git push to acme': async (c) => {
    const w = await WorkRepo.create();
    try {
      await w.commit({ 'template.yaml': hotTemplate(1) });
      const u = new URL(server.url);
      const cred = c === 'anonymous' ? '' : c === 'malformed' ? 'x:@' : `x:${secret(c)}@`;
      const r = await w.run(['push', `http://${cred}${u.host}/acme/push${++seq}.git`, 'main'], { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' });
      if (r.code === 0) return 200;
      const m = /<= Recv header: HTTP\/1\.1 (\d{3})/g;
      const statuses = [...r.stderr.matchAll(m)].map((x) => Number(x[1]));
      return statuses.filter((s) => s >= 400).pop() ?? -1; // git tries without credentials first (401), then with them
    } finally { await w.cleanup(); }
  },
};

// expected status per caller, in the order of `ops`; a credential that is presented must be valid, wherever it is sent
const BAD = [401, 401, 401, 401, 401, 401, 401, 401, 401, 401];
const table: [Caller, number[]][] = [
  ['anonymous', [200, 404, 401, 401, 401, 401, 401, 200, 401, 401]], // git is challenged where REST says 404: git sends credentials only then
  ['malformed', BAD], // git cannot send a malformed header: it sends an empty password, which is not a valid token either
  ['unknown', BAD],
  ['revoked', BAD],
  ['expired', BAD],
  ['reader', [200, 200, 403, 403, 403, 403, 403, 200, 200, 403]],
  ['vault-reader', [200, 200, 403, 403, 403, 403, 403, 200, 200, 403]],
  ['writer-acme', [200, 404, 201, 201, 403, 403, 403, 200, 404, 200]],
  ['writer-other', [200, 404, 403, 403, 403, 403, 403, 200, 404, 403]],
  ['admin-acme', [200, 404, 201, 201, 204, 200, 403, 200, 404, 200]],
  ['admin2', [200, 200, 201, 201, 204, 200, 200, 200, 200, 200]],
];

test.each(table)('%s', async (caller, expected) => {
  const got: number[] = [];
  for (const op of Object.values(ops)) got.push(await op(caller));
  expect(Object.fromEntries(Object.keys(ops).map((k, i) => [k, got[i]]))).toEqual(Object.fromEntries(Object.keys(ops).map((k, i) => [k, expected[i]])));
});

test.each([
  ['expired', /^The token "expired" expired at \S+; ask for a new one\.$/],
  ['revoked', /^The token is not valid: it is unknown, revoked or mistyped\.$/],
  ['malformed', /^The Authorization header must be "Bearer <token>" or "Basic <base64 of user:token>"\.$/],
  ['writer-other', /^The token "writer-other" \(scopes: write:other\) may not write namespace acme\.$/],
] as const)('the %s caller is told why', async (caller, detail) => {
  const res = await fetch(api('/templates/acme/app/versions'), { method: 'POST', headers: { ...headerFor(caller), 'Content-Type': 'application/json' }, body: '{}' });
  expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
});

test('whoami, and the token list never shows a secret; tokens live as hashes in the data directory', async () => {
  expect(await (await fetch(api('/whoami'))).json()).toEqual({ anonymous: true, name: null, scopes: [] });
  expect((await fetch(api('/whoami'), { headers: headerFor('revoked') })).status).toBe(401);
  expect(await (await fetch(api('/whoami'), { headers: headerFor('writer-acme') })).json()).toEqual({ anonymous: false, name: 'writer-acme', admin: false, scopes: ['write:acme'] });
  const list = await (await fetch(api('/tokens'), { headers: admin })).text();
  expect(list).toContain('writer-acme');
  const file = fs.readFileSync(path.join(server.reposDir, '.heater', 'tokens.json'), 'utf8');
  for (const token of Object.values(tok)) {
    const secret = /^heater_[0-9a-f]{12}_(.{43})$/.exec(token)?.[1] ?? ''; // base64url: the secret may itself hold "_"
    expect(secret).toHaveLength(43);
    expect(list).not.toContain(secret);
    expect(file).not.toContain(secret);
  }
});

test('a token made by the CLI works at once on the running server; revoked by the CLI it stops at once', async () => {
  const made = await cli(['create', '--name', 'ci', '--scope', 'write:acme', '--expires', '90d']);
  expect(made.code).toBe(0);
  const token = made.stdout.trim();
  expect(token).toMatch(/^heater_[0-9a-f]{12}_/);
  expect(made.stderr).toContain('shown only this once');
  const who = () => fetch(api('/whoami'), { headers: { Authorization: `Bearer ${token}` } });
  expect((await who()).status).toBe(200);
  expect((await cli(['list'])).stdout).toMatch(/ ci {2}write:acme {2}created /);
  expect((await cli(['revoke', 'ci'])).code).toBe(0);
  expect((await who()).status).toBe(401);
  expect((await cli(['revoke', 'ci'])).code).toBe(1);
  expect((await cli(['create', '--name', 'bad', '--scope', 'write:Bad..'])).code).toBe(1);
});

test.each([
  [{ name: 'x', scopes: [] }, 400], [{ name: 'x', scopes: ['root'] }, 400], [{ name: '', scopes: ['read'] }, 400],
  [{ name: 'y', scopes: ['read'], expires: 'yesterday' }, 400], [{ name: 'writer-acme', scopes: ['read'] }, 409],
])('POST /tokens %j -> %i', async (body, status) => {
  expect((await fetch(api('/tokens'), { method: 'POST', headers: admin, body: JSON.stringify(body) })).status).toBe(status);
});

test('tokens survive a restart', async () => {
  const again = await createApp(testConfig({ reposDir: server.reposDir, adminToken: TOKEN }));
  const url = await again.listen();
  try {
    const res = await fetch(`${url}/api/v1/whoami`, { headers: headerFor('writer-acme') });
    expect(((await res.json()) as { name: string }).name).toBe('writer-acme');
  } finally { await again.close(); }
});

test('only an admin may delete a published version (the one way around immutability); it is audited', async () => {
  const ns = 'acme';
  await fetch(api(`/templates/${ns}/gone/versions`), { method: 'POST', headers: admin, body: JSON.stringify({ version: '1.0.0', files: { 'a.txt': 'a' } }) });
  await fetch(api(`/templates/${ns}/gone/versions/1.0.0/yank`), { method: 'POST', headers: admin, body: JSON.stringify({ reason: 'leaked a secret' }) });
  const del = (h: Record<string, string>) => fetch(api(`/templates/${ns}/gone/versions/1.0.0`), { method: 'DELETE', headers: h });
  expect((await del({})).status).toBe(401);
  expect((await del(headerFor('writer-acme'))).status).toBe(403);
  expect((await del(headerFor('admin-acme'))).status).toBe(204);
  expect((await fetch(api(`/templates/${ns}/gone/versions/1.0.0`))).status).toBe(404);
  expect((await del(headerFor('admin2'))).status).toBe(404);
  expect((await fetch(api(`/templates/${ns}/gone/versions/%5E1`), { method: 'DELETE', headers: admin })).status).toBe(400);
  const audit = fs.readFileSync(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8');
  expect(audit).toMatch(/"action":"version\.delete".*"actor":\{"name":"admin-acme"/);
  expect(audit).toContain('refs/heater/versions/1.0.0');
});
