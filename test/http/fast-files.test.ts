// The raw-file fast lane answers exactly as the Express route does, and only from memory.
import { Registry } from '../../src/registry/registry';
import { startServer, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

let server: TestServer;
let w: WorkRepo;
beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({ 'template.yaml': hotTemplate(1), 'docs/a b.md': '# spaced\n' }, 'one');
  await w.tag('v1.0.0');
  await w.tag('stable', { lightweight: true });
  const r = await w.run(['push', `${server.authUrl}/acme/fast.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => { await w.cleanup(); await server.close(); });

const comparable = (res: Response) => {
  const h = Object.fromEntries([...res.headers].filter(([k]) => k !== 'date' && k !== 'x-request-id'));
  return { status: res.status, headers: h };
};

// Rows 1 and 3 are the first requests for their file (cold: Express); rows 2 and 4 find the same file cached.
test.each([
  ['/versions/1.0.0/files/template.yaml', {}, true],
  ['/versions/latest/files/template.yaml', {}, false],
  ['/versions/stable/files/docs/a%20b.md', {}, true],
  ['/versions/%5E1/files/template.yaml', { 'If-None-Match': '"nope", W/"x"' }, false],
])('GET %s: a cold answer and the fast lane\'s are the same', async (p, headers, cold) => {
  const spy = jest.spyOn(Registry.prototype, 'file');
  try {
    const url = `${server.url}/api/v1/templates/acme/fast${p}`;
    const first = await fetch(url, { headers });
    const firstBody = await first.text();
    expect(spy.mock.calls.length > 0).toBe(cold);
    // receive-pack of the fixture push may still be finishing (its auto gc) when the client returns,
    // and moves the ref stamp once more: one more request settles the caches.
    await (await fetch(url, { headers })).text();
    const callsBefore = spy.mock.calls.length;
    const second = await fetch(url, { headers });
    expect(spy.mock.calls.length).toBe(callsBefore); // answered without the Express route
    expect(comparable(second)).toEqual(comparable(first));
    expect(await second.text()).toBe(firstBody);
    expect(second.headers.get('x-request-id')).toMatch(/^[\w.-]+$/);
    const etag = second.headers.get('etag') ?? '';
    const cached = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(firstBody)));
  } finally { spy.mockRestore(); }
});

test('what the fast lane cannot answer falls through to the Express route: errors, commit ids, bad paths', async () => {
  const base = `${server.url}/api/v1/templates/acme/fast/versions`;
  await fetch(`${base}/1.0.0/files/template.yaml`); // caches warm
  expect((await fetch(`${base}/1.0.0/files/missing.yaml`)).status).toBe(404);
  expect((await fetch(`${base}/9.9.9/files/template.yaml`)).status).toBe(404);
  expect((await fetch(`${base}/1.0.0/files/%E0%A4%A`)).status).toBe(400);
  const commit = (await w.git(['rev-parse', 'v1.0.0^{commit}'])).trim();
  const byCommit = await fetch(`${base}/${commit.slice(0, 8)}/files/template.yaml`);
  expect(byCommit.status).toBe(200);
  expect(await byCommit.text()).toBe(hotTemplate(1));
  expect((await fetch(`${server.url}/api/v1/templates/acme/FAST/versions/1.0.0/files/template.yaml`)).status).toBe(400);
});

test('a pushed label move is seen at once, even by a warm fast lane', async () => {
  const url = `${server.url}/api/v1/templates/acme/fast/versions/stable/files/template.yaml`;
  expect(await (await fetch(url)).text()).toBe(hotTemplate(1));
  await fetch(url);
  await w.commit({ 'template.yaml': hotTemplate(2) }, 'two');
  await w.tag('stable', { lightweight: true, force: true });
  expect((await w.run(['push', '--force', `${server.authUrl}/acme/fast.git`, 'main', 'stable'])).code).toBe(0);
  expect(await (await fetch(url)).text()).toBe(hotTemplate(2));
});

test('a request with a credential is not answered by the fast lane: the full route checks it, a bad one is 401 even for a cached public file', async () => {
  const url = `${server.url}/api/v1/templates/acme/fast/versions/1.0.0/files/template.yaml`;
  for (let i = 0; i < 3; i++) expect((await fetch(url)).status).toBe(200); // cached and answered fast
  const spy = jest.spyOn(Registry.prototype, 'file');
  try {
    const bad = await fetch(url, { headers: { Authorization: 'Bearer revoked-or-never-was' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="Heater", error="invalid_token"');
    const good = await fetch(url, { headers: { Authorization: `Bearer ${server.token}` } });
    expect(good.status).toBe(200);
    expect(spy).toHaveBeenCalledTimes(1); // the valid one went through Express too
  } finally { spy.mockRestore(); }
});
