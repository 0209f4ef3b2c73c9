// Answers kept in memory: byte for byte the route's own, never stale after a write, never for a credential, bounded.
import http from 'node:http';
import net from 'node:net';
import { rm } from 'node:fs/promises';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate, gitOk, tempDir } from '../helpers/git-client';
import { FRESH_MS } from '../../src/git/refs';

interface Answer { status: number; headers: [string, string][]; body: Buffer }

/** A GET (or HEAD) with the raw answer: status, every header in order as sent, the body's bytes. */
function get(base: string, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: p, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const raw = res.rawHeaders;
        const pairs: [string, string][] = [];
        for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i] ?? '', raw[i + 1] ?? '']);
        resolve({ status: res.statusCode ?? 0, headers: pairs, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** What two answers to the same request must share: all but the date and the request id (and the connection's own headers). */
const comparable = (a: Answer) => ({
  status: a.status,
  headers: a.headers.filter(([k]) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(k.toLowerCase())),
  body: a.body.toString('base64'),
});

/** A GET written by hand, its header lines as given (names in any case, repeated), on a connection of its own: status and headers. */
function rawGet(base: string, p: string, lines: readonly string[]): Promise<{ status: number; headers: [string, string][] }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`GET ${p} HTTP/1.1\r\nHost: ${u.host}\r\n${lines.map((l) => `${l}\r\n`).join('')}Connection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      const head = Buffer.concat(chunks).toString('latin1').split('\r\n\r\n')[0] ?? '';
      const [statusLine = '', ...rest] = head.split('\r\n');
      resolve({ status: Number(statusLine.split(' ')[1]), headers: rest.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]) });
    });
  });
}

const header = (a: Pick<Answer, 'headers'>, name: string) => a.headers.find(([k]) => k.toLowerCase() === name)?.[1];

/** The cache's lookups so far, from /metrics. */
async function lookups(base: string): Promise<{ hit: number; miss: number; bytes: number; entries: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    hit: num(/^heater_answer_cache_lookups_total\{result="hit"\} (\d+)/m),
    miss: num(/^heater_answer_cache_lookups_total\{result="miss"\} (\d+)/m),
    bytes: num(/^heater_answer_cache_bytes (\d+)/m),
    entries: num(/^heater_answer_cache_entries (\d+)/m),
  };
}

const T = '/api/v1/templates/acme/app';
const manifest = (n: number) => `description: App ${n}\nkeywords: [web, app]\nlicense: Apache-2.0\n`;

async function fixture(server: TestServer): Promise<WorkRepo> {
  const w = await WorkRepo.create();
  for (const [i, v] of ['1.0.0', '1.1.0', '2.0.0-rc.1', '2.0.0'].entries()) {
    await w.commit({ 'template.yaml': hotTemplate(i + 1), 'heater.yaml': manifest(i + 1), 'docs/read me.md': `# v${v}\n` }, `release ${v}`);
    await w.tag(`v${v}`);
  }
  await w.tag('stable', { lightweight: true, at: 'v1.1.0' });
  const r = await w.run(['push', '-q', `${server.authUrl}/acme/app.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
  const db = await WorkRepo.create();
  await db.commit({ 'template.yaml': hotTemplate(9), 'heater.yaml': 'description: A database\nkeywords: [db]\n' });
  await db.tag('v0.1.0');
  const r2 = await db.run(['push', '-q', `${server.authUrl}/acme/db.git`, 'main', '--tags']);
  if (r2.code !== 0) throw new Error(r2.stderr);
  await db.cleanup();
  return w;
}

/** Every kind of read the cache keeps, and the variants a client sends. */
async function urls(w: WorkRepo): Promise<string[]> {
  const commit = (await w.git(['rev-parse', 'v1.0.0^{commit}'])).trim();
  return [
    `${T}/versions`,
    `${T}/versions/1.0.0`, `${T}/versions/v1.1.0`, `${T}/versions/latest`, `${T}/versions/stable`, `${T}/versions/%5E1`, `${T}/versions/~1.0`, `${T}/versions/${commit}`, `${T}/versions/${commit.slice(0, 10)}`,
    `${T}/versions/1.0.0/files/template.yaml`, `${T}/versions/latest/files/template.yaml`, `${T}/versions/stable/files/heater.yaml`,
    `${T}/versions/%5E1/files/docs/read%20me.md`, `${T}/versions/2.0.0-rc.1/files/template.yaml`, `${T}/versions/${commit}/files/template.yaml`,
    `${T}/versions/1.0.0/archive.tar.gz`, `${T}/versions/stable/archive.zip`,
    `${T}/changelog`, `${T}/changelog?limit=2`,
    '/api/v1/templates', '/api/v1/templates?q=app', '/api/v1/templates?keyword=web&facets=keywords,namespaces', '/api/v1/templates?sort=name&limit=1', '/api/v1/templates?license=Apache-2.0',
  ];
}

describe('answers from memory', () => {
  let dir: string;
  let w: WorkRepo;
  beforeAll(async () => { dir = await tempDir('heater-cached-'); });
  afterAll(async () => { await w.cleanup(); await rm(dir, { recursive: true, force: true }); });

  test('for every kind of read, the answer sent from memory is the route\'s own, byte for byte: 200, HEAD and 304', async () => {
    const cached = await startServer({}, { reposDir: dir });
    const kept = new Map<string, Answer[]>();
    let list: string[] = [];
    try {
      w = await fixture(cached);
      list = await urls(w);
      for (const u of list) {
        for (let i = 0; i < 2; i++) expect((await get(cached.url, u)).status).toBe(200); // computed, then computed and kept
      }
      const before = await lookups(cached.url);
      for (const u of list) {
        const a = await get(cached.url, u);
        const etag = header(a, 'etag') ?? '';
        kept.set(u, [a, await get(cached.url, u, {}, 'HEAD'), await get(cached.url, u, { 'If-None-Match': etag }), await get(cached.url, u, { 'If-None-Match': '"other"' })]);
      }
      const after = await lookups(cached.url);
      expect(after.hit - before.hit).toBe(list.length * 4); // every one of them from memory
    } finally { await cached.close(); }

    const fresh = await startServer({ answerCacheBytes: 0 }, { reposDir: dir }); // the same data, nothing kept
    try {
      for (const u of list) {
        const a = await get(fresh.url, u);
        const etag = header(a, 'etag') ?? '';
        const theirs = [a, await get(fresh.url, u, {}, 'HEAD'), await get(fresh.url, u, { 'If-None-Match': etag }), await get(fresh.url, u, { 'If-None-Match': '"other"' })];
        const ours = kept.get(u) ?? [];
        expect({ u, answers: ours.map(comparable) }).toEqual({ u, answers: theirs.map(comparable) });
        expect(ours[0]?.status).toBe(200);
        expect(ours[2]?.status).toBe(etag ? 304 : 200);
        expect(header(ours[0] as Answer, 'x-request-id')).toMatch(/^[\w.-]+$/);
      }
      expect((await lookups(fresh.url)).hit).toBe(0);
    } finally { await fresh.close(); }
  });
});

describe('nothing stale after a write', () => {
  let server: TestServer;
  let w: WorkRepo;
  const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  beforeAll(async () => { server = await startServer(); w = await fixture(server); });
  afterAll(async () => { await w.cleanup(); await server.close(); });

  /** Reads `p` until it is answered from memory, so the write under test meets a warm cache. */
  async function warm(p: string): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const before = (await lookups(server.url)).hit;
      await get(server.url, p);
      if ((await lookups(server.url)).hit > before) return;
    }
    throw new Error(`${p} never came from memory`);
  }
  const json = async (p: string) => JSON.parse((await get(server.url, p)).body.toString()) as Record<string, unknown>;
  const text = async (p: string) => (await get(server.url, p)).body.toString();

  test('a push of a new version: the version list, latest, a range and the listing show it at once', async () => {
    for (const p of [`${T}/versions`, `${T}/versions/latest/files/template.yaml`, `${T}/versions/%5E2`, '/api/v1/templates?q=app']) await warm(p);
    await w.commit({ 'template.yaml': hotTemplate(30), 'heater.yaml': manifest(30) }, 'release 2.1.0');
    await w.tag('v2.1.0');
    expect((await w.run(['push', '-q', `${server.authUrl}/acme/app.git`, 'main', 'v2.1.0'])).code).toBe(0);
    expect((await json(`${T}/versions`)).versions).toEqual(expect.arrayContaining([expect.objectContaining({ version: '2.1.0' })]));
    expect(await text(`${T}/versions/latest/files/template.yaml`)).toBe(hotTemplate(30));
    expect((await json(`${T}/versions/%5E2`)).version).toBe('2.1.0');
    expect(((await json('/api/v1/templates?q=app')).items as { latestVersion: string }[])[0]?.latestVersion).toBe('2.1.0');
  });

  test('a REST publish, a label move by REST and by push, a deprecation and a yank: each seen by the next read', async () => {
    const latest = `${T}/versions/latest`;
    await warm(latest);
    const published = await fetch(`${server.url}${T}/versions`, { method: 'POST', headers: auth, body: JSON.stringify({ version: '2.2.0', files: { 'template.yaml': hotTemplate(40), 'heater.yaml': manifest(40) } }) });
    expect(published.status).toBe(201);
    expect((await json(latest)).version).toBe('2.2.0');

    const stable = `${T}/versions/stable/files/template.yaml`;
    await warm(stable);
    expect((await fetch(`${server.url}${T}/labels/stable`, { method: 'PUT', headers: auth, body: JSON.stringify({ ref: '2.2.0' }) })).status).toBe(200);
    expect(await text(stable)).toBe(hotTemplate(40));
    await warm(stable);
    await w.tag('stable', { lightweight: true, force: true, at: 'v1.0.0' });
    expect((await w.run(['push', '-q', '--force', `${server.authUrl}/acme/app.git`, 'stable'])).code).toBe(0);
    expect(await text(stable)).toBe(hotTemplate(1));

    const file = `${T}/versions/1.1.0/files/template.yaml`;
    await warm(file);
    await warm(`${T}/versions/1.1.0`);
    expect((await fetch(`${server.url}${T}/versions/1.1.0/deprecate`, { method: 'POST', headers: auth, body: JSON.stringify({ message: 'use 2' }) })).status).toBe(200);
    expect(header(await get(server.url, file), 'heater-deprecated')).toBe('use%202');
    expect((await json(`${T}/versions/1.1.0`)).deprecated).toEqual(expect.objectContaining({ message: 'use 2' }));

    const range = `${T}/versions/%5E2`;
    await warm(range);
    expect((await fetch(`${server.url}${T}/versions/2.2.0/yank`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'broken' }) })).status).toBe(200);
    expect((await json(range)).version).toBe('2.1.0'); // a range skips a yanked version
  });

  test('a namespace made private: anonymous answers from memory stop at once', async () => {
    const p = `${T}/versions/1.0.0/files/template.yaml`;
    await warm(p);
    await warm('/api/v1/templates');
    const patch = await fetch(`${server.url}/api/v1/namespaces/acme`, { method: 'PATCH', headers: auth, body: JSON.stringify({ anonymousRead: false }) });
    expect(patch.status).toBe(200);
    try {
      expect((await get(server.url, p)).status).toBe(404);
      expect((await json('/api/v1/templates')).total).toBe(0);
      expect((await get(server.url, p, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      expect((await get(server.url, p)).status).toBe(404); // a token's answer is never kept for strangers
    } finally {
      await fetch(`${server.url}/api/v1/namespaces/acme`, { method: 'PATCH', headers: auth, body: JSON.stringify({ anonymousRead: true }) });
    }
    expect((await get(server.url, p)).status).toBe(200);
  });

  test('a tag made with git on the server\'s own disk is seen by the next read', async () => {
    const p = `${T}/versions/latest/files/heater.yaml`;
    await warm(p);
    const gitDir = `${server.reposDir}/acme/app.git`;
    await gitOk(['--git-dir', gitDir, 'tag', 'v9.0.0', 'v1.0.0^{commit}']);
    await new Promise((r) => setTimeout(r, FRESH_MS + 5)); // a check of the ref files is trusted for FRESH_MS
    expect(await text(p)).toBe(manifest(1));
    await gitOk(['--git-dir', gitDir, 'tag', '-d', 'v9.0.0']);
  });

  test('reads racing pushes: every read that starts after a push returned sees it, and a reader never goes back', async () => {
    const p = `${T}/versions/latest/files/template.yaml`;
    let stop = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!stop) seen.push((await get(server.url, p)).body.toString());
    })();
    try {
      for (let n = 0; n < 5; n++) {
        await w.commit({ 'template.yaml': hotTemplate(100 + n), 'heater.yaml': manifest(100 + n) }, `release 3.${n}.0`);
        await w.tag(`v3.${n}.0`);
        const pushed = await w.run(['push', '-q', `${server.authUrl}/acme/app.git`, `v3.${n}.0`]); // main moved by the REST publish above
        expect(pushed.stderr).toBe('');
        expect(pushed.code).toBe(0);
        expect(await text(p)).toBe(hotTemplate(100 + n));
      }
    } finally { stop = true; await reader; }
    const order = seen.map((s) => Number(/revision (\d+)/.exec(s)?.[1]));
    expect(order.every((v, i) => i === 0 || v >= (order[i - 1] ?? 0))).toBe(true);
  });

  test('catalog reads racing pushes: a search and a changelog page read after a push returned show it, though the push answers before its reindex', async () => {
    const search = '/api/v1/templates?q=app';
    const changelog = `${T}/changelog?limit=1`;
    let stop = false;
    const racing = (async () => { // keeps both answers warm in memory between the pushes
      while (!stop) { await get(server.url, search); await get(server.url, changelog); }
    })();
    try {
      for (let n = 0; n < 4; n++) {
        await w.commit({ 'template.yaml': hotTemplate(200 + n), 'heater.yaml': manifest(200 + n) }, `release 4.${n}.0`);
        await w.tag(`v4.${n}.0`);
        const pushed = await w.run(['push', '-q', `${server.authUrl}/acme/app.git`, `v4.${n}.0`]);
        expect(pushed.code).toBe(0);
        expect(((await json(search)).items as { latestVersion: string }[])[0]?.latestVersion).toBe(`4.${n}.0`);
        expect(((await json(changelog)).items as { version: string }[])[0]?.version).toBe(`4.${n}.0`);
      }
    } finally { stop = true; await racing; }
    expect((await lookups(server.url)).hit).toBeGreaterThan(0);
  });

  test('answers from memory take headers as the route does: If-None-Match over two lines, X-Request-Id once or twice, Authorization in any case', async () => {
    const p = `${T}/versions/1.0.0/files/template.yaml`;
    await warm(p);
    const etag = header(await get(server.url, p), 'etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    const before = (await lookups(server.url)).hit;
    const split = await rawGet(server.url, p, ['If-None-Match: "other"', `if-none-match: W/${etag}`]);
    expect(split.status).toBe(304);
    const other = await rawGet(server.url, p, ['If-None-Match: "other"', 'IF-NONE-MATCH: "another"']);
    expect(other.status).toBe(200);
    const once = await rawGet(server.url, p, ['x-request-id: trace-42.a']);
    expect(header(once, 'x-request-id')).toBe('trace-42.a');
    const twice = await rawGet(server.url, p, ['X-Request-Id: trace-1', 'X-Request-Id: trace-2']);
    expect(twice.status).toBe(200);
    expect(header(twice, 'x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/); // Node would join them ("trace-1, trace-2"): not a usable id
    const unsafe = await rawGet(server.url, p, ['X-Request-Id: has space']);
    expect(header(unsafe, 'x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect((await lookups(server.url)).hit - before).toBe(5); // every one above from memory
    // the route gives a repeated X-Request-Id the same treatment (a URL not kept: the query makes it another key, and unknown is refused)
    const route = await rawGet(server.url, `${T}/versions/1.0.0/files/template.yaml?x=1`, ['X-Request-Id: trace-1', 'X-Request-Id: trace-2']);
    expect(route.status).toBe(400);
    expect(header(route, 'x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    for (const name of ['authorization', 'AUTHORIZATION', 'Authorization']) {
      expect((await rawGet(server.url, p, [`${name}: Bearer revoked-or-never-was`])).status).toBe(401);
    }
  });

  test('a credential or a read link is never answered from memory: a bad token is 401 even for a kept public file', async () => {
    const p = `${T}/versions/1.0.0/files/template.yaml`;
    await warm(p);
    const bad = await get(server.url, p, { Authorization: 'Bearer revoked-or-never-was' });
    expect(bad.status).toBe(401);
    expect([401, 403]).toContain((await get(server.url, `/l/not-a-link${p}`)).status);
  });
});

test('the cache holds no more than its budget, and errors are never kept', async () => {
  const budget = 48 * 1024;
  const server = await startServer({ answerCacheBytes: budget });
  const w = await WorkRepo.create();
  try {
    for (let i = 0; i < 30; i++) {
      await w.commit({ 'template.yaml': `${hotTemplate(i)}# ${'x'.repeat(4000)}\n` }, `v${i}`);
      await w.tag(`v1.${i}.0`);
    }
    expect((await w.run(['push', '-q', `${server.authUrl}/acme/big.git`, 'main', '--tags'])).code).toBe(0);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 30; i++) expect((await get(server.url, `/api/v1/templates/acme/big/versions/1.${i}.0/files/template.yaml`)).status).toBe(200);
    }
    const m = await lookups(server.url);
    expect(m.bytes).toBeLessThanOrEqual(budget);
    expect(m.entries).toBeGreaterThan(0);
    expect(m.entries).toBeLessThan(30);
    const missing = '/api/v1/templates/acme/big/versions/1.0.0/files/none.yaml';
    for (let i = 0; i < 3; i++) expect((await get(server.url, missing)).status).toBe(404);
    const after = await lookups(server.url);
    expect(after.hit).toBe(m.hit); // the 404s were computed each time
  } finally { await w.cleanup(); await server.close(); }
});
