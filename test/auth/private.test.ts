// Private namespaces: invisible (404, absent from listings, not clonable) to callers who may not read them.
import { rm } from 'node:fs/promises';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { gitOk, runGit, tempDir, hotTemplate } from '../helpers/git-client';

let server: TestServer;
const admin = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const api = (p: string) => `${server.url}/api/v1${p}`;
const tok: Record<string, string> = {};

beforeAll(async () => {
  server = await startServer({ maxAuthFailures: 10_000 });
  for (const ns of ['secret', 'open']) {
    const r = await fetch(api(`/templates/${ns}/app/versions`), { method: 'POST', headers: admin, body: JSON.stringify({ version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } }) });
    if (r.status !== 201) throw new Error(await r.text());
  }
  // warm every cache for the private file, the answer cache's included
  for (let i = 0; i < 3; i++) await fetch(api('/templates/secret/app/versions/1.0.0/files/template.yaml'));
  expect((await fetch(api('/namespaces/secret'), { method: 'PATCH', headers: admin, body: '{"anonymousRead":false}' })).status).toBe(200);
  for (const [name, scopes] of [['reader', ['read:secret']], ['other', ['write:open']]] as const) {
    const r = await fetch(api('/tokens'), { method: 'POST', headers: admin, body: JSON.stringify({ name, scopes }) });
    tok[name] = ((await r.json()) as { token: string }).token;
  }
});
afterAll(async () => { await server.close(); });

const as = (who: 'anonymous' | 'reader' | 'other' | 'wrong'): Record<string, string> => (who === 'anonymous' ? {} : { Authorization: `Bearer ${who === 'wrong' ? 'heater_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' : tok[who] ?? ''}` });
const reads = ['/templates/secret/app', '/templates/secret/app/versions', '/templates/secret/app/versions/1.0.0', '/templates/secret/app/versions/latest/files/template.yaml',
  '/templates/secret/app/versions/1.0.0/files/template.yaml', '/templates/secret/app/versions/1.0.0/archive.zip', '/templates/secret/app/diff?from=1.0.0&to=1.0.0',
  '/templates/secret/app/versions/1.0.0/compat', '/namespaces/secret'];

test('a wrong token is 401 everywhere, public or private: a credential that is presented must be valid', async () => {
  for (const p of [...reads, '/templates/open/app', '/templates?limit=100']) {
    const res = await fetch(api(p), { headers: as('wrong') });
    expect({ p, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({ p, status: 401, challenge: 'Bearer realm="Heater", error="invalid_token"' });
  }
});

test.each([['anonymous'], ['other']] as const)('to %s the private namespace does not exist: 404 everywhere, never 403', async (who) => {
  for (const p of reads) {
    const res = await fetch(api(p), { headers: as(who) });
    expect({ p, status: res.status }).toEqual({ p, status: 404 });
  }
  const list = (await (await fetch(api('/templates?limit=100'), { headers: as(who) })).json()) as { items: { id: string }[] };
  expect(list.items.map((i) => i.id)).toEqual(['open/app']);
});

test('a token with read on it sees it all, and the listing has it', async () => {
  for (const p of reads) {
    const res = await fetch(api(p), { headers: as('reader') });
    expect({ p, status: res.status }).toEqual({ p, status: 200 });
  }
  const list = (await (await fetch(api('/templates?limit=100'), { headers: as('reader') })).json()) as { items: { id: string }[] };
  expect(list.items.map((i) => i.id)).toEqual(['open/app', 'secret/app']);
});

test('git: anonymous clones are challenged (401, so git sends credentials), others without read get 404, a reader clones', async () => {
  const dir = await tempDir();
  try {
    const anon = await runGit(['clone', '-q', `${server.url}/secret/app.git`, dir]);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/could not read Username|Authentication failed/);
    for (const p of ['app', 'no-such-template']) {
      const res = await fetch(`${server.url}/secret/${p}.git/info/refs?service=git-upload-pack`);
      expect(res.status).toBe(401); // the same for a template that exists and one that does not
    }
    const other = await fetch(`${server.url}/secret/app.git/info/refs?service=git-upload-pack`, { headers: { Authorization: `Basic ${Buffer.from(`x:${tok.other}`).toString('base64')}` } });
    expect(other.status).toBe(404);
    const u = new URL(server.url);
    await gitOk(['clone', '-q', `http://x:${tok.reader}@${u.host}/secret/app.git`, `${dir}/ok`]);
    expect((await gitOk(['tag'], { cwd: `${dir}/ok` })).trim()).toBe('v1.0.0');
    expect((await runGit(['ls-remote', `${server.url}/open/app.git`])).code).toBe(0);
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('with HEATER_ANONYMOUS_READ=false every namespace is private until it says otherwise', async () => {
  const closed = await startServer({ anonymousRead: false });
  try {
    const h = { Authorization: `Bearer ${closed.token}`, 'Content-Type': 'application/json' };
    await fetch(`${closed.url}/api/v1/templates/ns/app/versions`, { method: 'POST', headers: h, body: JSON.stringify({ version: '1.0.0', files: { 'a.txt': 'a' } }) });
    expect((await fetch(`${closed.url}/api/v1/templates/ns/app`)).status).toBe(404);
    expect((await fetch(`${closed.url}/api/v1/templates/ns/app`, { headers: h })).status).toBe(200);
    expect((await fetch(`${closed.url}/api/v1/namespaces/ns`, { method: 'PATCH', headers: h, body: '{"anonymousRead":true}' })).status).toBe(200);
    expect((await fetch(`${closed.url}/api/v1/templates/ns/app`)).status).toBe(200);
  } finally { await closed.close(); }
});

test.each([
  ['/namespaces/secret', 'namespace-not-found', 'There is no namespace secret.'],
  ['/templates/secret/app', 'template-not-found', 'There is no template secret/app. Create it with POST /api/v1/templates or by pushing to it.'],
  ['/templates/secret/app/versions/1.0.0/files/template.yaml', 'template-not-found', 'There is no template secret/app. Create it with POST /api/v1/templates or by pushing to it.'],
])('a hidden %s is worded as what it is: %s', async (p, code, detail) => {
  const res = await fetch(api(p), { headers: as('other') });
  expect(await res.json()).toMatchObject({ status: 404, code, detail });
  // word for word what a template that does not exist gets: the answer tells nothing of what is hidden
  const missing = await (await fetch(api(p.replace('secret/app', 'open/no-such-app')), { headers: as('other') })).json() as { code: string; detail: string };
  expect(missing).toMatchObject({ code, detail: detail.replace('secret/app', 'open/no-such-app') }); // a public namespace's missing template
});
