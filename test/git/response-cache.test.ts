// Which upload-pack requests share a kept answer (a clone's) and which never do (a fetch saying what it has); a gzip request kept is found by its bytes as sent.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ResponseCache, mayKeep } from '../../src/git/response-cache';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';

const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
const oid = (n: number) => n.toString(16).padStart(40, 'a');
const wants = (oids: readonly string[]) => oids.map((o) => pkt(`want ${o}\n`)).join('');
const fetchOf = (oids: readonly string[], ...lines: string[]) => Buffer.from(`${pkt('command=fetch\n')}0001${pkt('ofs-delta\n')}${wants(oids)}${lines.join('')}${pkt('done\n')}0000`, 'latin1');
const many = Array.from({ length: 300 }, (_, i) => oid(i));

test.each([
  ['a clone (wants only)', true, fetchOf(many)],
  ['a fetch with a have line', false, fetchOf(many, pkt(`have ${oid(7)}\n`))],
  ['"have " that is not a have line (a ref-prefix argument)', true, fetchOf(many, pkt('ref-prefix refs/heads/have x\n'))],
])('%s: may keep %s', (_what, kept, body) => {
  expect(mayKeep(body)).toBe(kept);
});

describe('keys', () => {
  let dir: string;
  let gitDir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'heater-response-cache-'));
    gitDir = path.join(dir, 'r.git');
    await gitOk(['init', '-q', '--bare', gitDir]);
    await new Promise((r) => setTimeout(r, 30)); // the ref files' stamp is trusted once 20 ms old
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('the same bytes have the same key; the same request gzip-encoded has another', () => {
    const cache = new ResponseCache(path.join(dir, 'responses'), 'salt');
    const body = fetchOf(many);
    const key = cache.keyOf(gitDir, 'version=2', body, false);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cache.keyOf(gitDir, 'version=2', Buffer.from(body), false)).toBe(key);
    expect(cache.keyOf(gitDir, 'version=2', body, true)).not.toBe(key);
    expect(cache.has(key ?? '')).toBe(false);
  });
});

describe('gzip requests end to end', () => {
  let server: TestServer;
  let head = '';
  beforeAll(async () => {
    server = await startServer();
    const w = await WorkRepo.create();
    try {
      head = await w.commit({ 'template.yaml': hotTemplate(1) });
      await w.git(['push', '-q', `${server.authUrl}/acme/gz.git`, 'main']);
    } finally { await w.cleanup(); }
    await new Promise((r) => setTimeout(r, 30));
  });
  afterAll(async () => {
    await server.close();
    expect(await waitNoGitChildren()).toEqual([]);
  });

  const answersHit = async () => Number(/^heater_pack_cache_answers_total\{result="hit"\} (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
  const post = async (body: Buffer) => {
    const res = await fetch(`${server.url}/acme/gz.git/git-upload-pack`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Encoding': 'gzip', 'Git-Protocol': 'version=2' }, body: gzipSync(body) });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  test('a clone request sent gzip twice: the second is the kept answer, the same bytes', async () => {
    const hits = await answersHit();
    const first = await post(fetchOf([head]));
    expect(first.toString('latin1')).toContain('packfile');
    const second = await post(fetchOf([head]));
    expect(second.equals(first)).toBe(true);
    expect(await answersHit()).toBe(hits + 1);
  });

  test('a gzip request with a have line is answered by git each time, never kept', async () => {
    const body = fetchOf([head], pkt(`have ${oid(7)}\n`));
    const hits = await answersHit();
    for (let i = 0; i < 2; i++) expect((await post(body)).length).toBeGreaterThan(0);
    expect(await answersHit()).toBe(hits);
  });
});
