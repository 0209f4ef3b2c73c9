// The smart-HTTP endpoints spoken to directly: content types, headers, encodings, limits, hostile paths.
import { gzipSync } from 'node:zlib';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { rawGet } from '../helpers/http';
import path from 'node:path';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ maxNegotiationBytes: 1024 * 1024 });
  const w = await WorkRepo.create();
  await w.commit({ 'template.yaml': hotTemplate(1) });
  await w.tag('v1.0.0');
  const r = await w.run(['push', `${server.authUrl}/acme/web.git`, 'main', 'v1.0.0']);
  await w.cleanup();
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => {
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

const base = () => `${server.url}/acme/web.git`;
const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
const lsRefsV2 = `${pkt('command=ls-refs\n')}0001${pkt('peel\n')}${pkt('ref-prefix refs/tags/\n')}0000`;

test('the advertisement has the exact content type, the # service preamble for v0, and no-cache headers', async () => {
  const res = await fetch(`${base()}/info/refs?service=git-upload-pack`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
  expect(res.headers.get('cache-control')).toBe('no-cache, max-age=0, must-revalidate');
  expect(res.headers.get('pragma')).toBe('no-cache');
  expect(res.headers.get('expires')).toBe('Fri, 01 Jan 1980 00:00:00 GMT');
  const body = await res.text();
  expect(body.startsWith('001e# service=git-upload-pack\n0000')).toBe(true);
  expect(body).toContain('refs/tags/v1.0.0');
});

test('Git-Protocol: version=2 reaches git: a v2 capability advertisement without the preamble', async () => {
  const res = await fetch(`${base()}/info/refs?service=git-upload-pack`, { headers: { 'Git-Protocol': 'version=2' } });
  const body = await res.text();
  expect(body.startsWith('000eversion 2\n')).toBe(true);
  expect(body).toContain('ls-refs');
});

test('a Git-Protocol header that is not key=value pairs is ignored (v0), not passed to git', async () => {
  const res = await fetch(`${base()}/info/refs?service=git-upload-pack`, { headers: { 'Git-Protocol': 'version=2; rm -rf /' } });
  expect(await res.text()).toContain('# service=git-upload-pack');
});

test('a v2 ls-refs POST works plain and gzip-encoded', async () => {
  for (const gzip of [false, true]) {
    const res = await fetch(`${base()}/git-upload-pack`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Git-Protocol': 'version=2', ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) },
      body: gzip ? gzipSync(lsRefsV2) : lsRefsV2,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    expect(await res.text()).toMatch(/refs\/tags\/v1\.0\.0 peeled:[0-9a-f]{40}\n/);
  }
});

test.each([
  ['no content type', {}, 415],
  ['the wrong content type', { 'Content-Type': 'application/x-git-receive-pack-request' }, 415],
  ['a charset appended', { 'Content-Type': 'application/x-git-upload-pack-request; charset=utf-8' }, 415],
  ['an unknown encoding', { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'br' }, 415],
  ['gzip that is not gzip', { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' }, 400],
])('upload-pack with %s is %i, with a line of text saying why', async (_what, headers, status) => {
  const res = await fetch(`${base()}/git-upload-pack`, { method: 'POST', headers: headers as Record<string, string>, body: lsRefsV2 });
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(await res.text()).toMatch(/^[^\n]{10,}\n$/);
});

test('an inflation bomb past the negotiation cap is 413, and no git is left running', async () => {
  const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x30)); // 8 MiB of "0" in ~8 KiB
  const res = await fetch(`${base()}/git-upload-pack`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip' }, body: bomb });
  expect(res.status).toBe(413);
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test.each([
  ['/acme/web.git/info/refs', 403],
  ['/acme/web.git/info/refs?service=git-upload-archive', 403],
  ['/acme/web.git/info/refs?service=git-upload-pack&service=git-receive-pack', 403],
  ['/acme/web.git/HEAD', 404],
  ['/acme/web.git/objects/info/packs', 404],
  ['/acme/web.git/../../etc/passwd', 404],
  ['/acme/%2e%2e.git/info/refs?service=git-upload-pack', 400],
  ['/%2e%2e/web.git/info/refs?service=git-upload-pack', 400],
  ['/acme/a%2fb.git/info/refs?service=git-upload-pack', 400],
  ['/acme/a%00.git/info/refs?service=git-upload-pack', 400],
  ['/acme/UPPER.git/info/refs?service=git-upload-pack', 400],
  [`/acme/${'a'.repeat(200)}.git/info/refs?service=git-upload-pack`, 400],
  ['/acme/missing.git/info/refs?service=git-upload-pack', 404],
])('GET %s -> %i', async (p, status) => {
  const res = await rawGet(server.url, p);
  expect(res.status).toBe(status);
  expect(res.type).toBe('text/plain; charset=utf-8');
  expect(res.body).toMatch(/^[^\n]{10,}\n$/);
});

test('GET on an RPC endpoint is 405 with Allow', async () => {
  const res = await fetch(`${base()}/git-upload-pack`);
  expect(res.status).toBe(405);
  expect(res.headers.get('allow')).toBe('POST');
});

test('receive-pack without credentials is challenged at the advertisement and at the POST', async () => {
  const adv = await fetch(`${base()}/info/refs?service=git-receive-pack`);
  expect(adv.status).toBe(401);
  const post = await fetch(`${base()}/git-receive-pack`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-receive-pack-request' }, body: '0000' });
  expect(post.status).toBe(401);
  expect(post.headers.get('www-authenticate')).toBe('Basic realm="Heater"');
});

test('the 0000 probe of a chunked push is answered 200 with an empty body', async () => {
  const res = await fetch(`${base()}/git-receive-pack`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-git-receive-pack-request', Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` },
    body: '0000',
  });
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('');
});

test('the internal hook endpoint refuses callers that are not a running push', async () => {
  const res = await fetch(`${server.url}/_heater/hooks/pre-receive`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Authorization: 'Bearer guess' }, body: 'update 0 0 refs/tags/x\n' });
  expect(res.status).toBe(403);
  expect(await res.text()).toMatch(/^refuse\n/);
});

test('the v2 capability advertisement is served again from memory, and follows a change of the repo config', async () => {
  const get = async () => (await fetch(`${base()}/info/refs?service=git-upload-pack`, { headers: { 'Git-Protocol': 'version=2' } })).text();
  const first = await get();
  expect(first).toMatch(/fetch=.*filter/);
  expect(await get()).toBe(first);
  const gitDir = path.join(server.reposDir, 'acme', 'web.git');
  await gitOk(['--git-dir', gitDir, 'config', 'uploadpack.allowFilter', 'false']);
  const after = await get();
  expect(after).not.toMatch(/fetch=.*filter/);
  await gitOk(['--git-dir', gitDir, 'config', 'uploadpack.allowFilter', 'true']);
  expect(await get()).toMatch(/fetch=.*filter/);
});
