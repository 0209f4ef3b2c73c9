// The cat-file reader pool: never more readers than its cap, a reader in use is never closed, callers beyond the cap wait their turn.
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CatFilePool } from '../../src/git/catfile-pool';
import { BusyError } from '../../src/errors/limit-error';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate, tempDir } from '../helpers/git-client';

const COPIES = 200;
let fixture: string;
let blobs: { gitDir: string; oid: string; text: string }[];
let bigBlob: string;

/** A bare repo at `dir` holding one valid version (v1.0.0) with a manifest naming `n`. */
async function bareTemplate(dir: string, n: number): Promise<{ blob: string }> {
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(n), 'heater.yaml': `description: Template number ${n}\nkeywords: [pool]\n` });
    await w.tag('v1.0.0');
    await gitOk(['clone', '-q', '--bare', w.dir, dir]);
    return { blob: (await w.git(['rev-parse', 'HEAD:heater.yaml'])).trim() };
  } finally { await w.cleanup(); }
}

beforeAll(async () => {
  fixture = await tempDir('heater-pool-');
  blobs = [];
  for (let i = 0; i < 6; i++) {
    const gitDir = path.join(fixture, `r${i}.git`);
    const { blob } = await bareTemplate(gitDir, i);
    blobs.push({ gitDir, oid: blob, text: `description: Template number ${i}\n` });
  }
  const big = await WorkRepo.create();
  try {
    await big.commit({ 'big.bin': Buffer.alloc(8 * 1024 * 1024, 7) });
    await gitOk(['clone', '-q', '--bare', big.dir, path.join(fixture, 'big.git')]);
    bigBlob = (await big.git(['rev-parse', 'HEAD:big.bin'])).trim();
  } finally { await big.cleanup(); }
});
afterAll(async () => { await rm(fixture, { recursive: true, force: true }); });
afterEach(async () => { expect(await waitNoGitChildren(3000, true)).toEqual([]); });

describe('a server started cold over more templates than readers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({}, {
      prepare: async (reposDir) => {
        const one = path.join(fixture, 'one.git');
        await bareTemplate(one, 0);
        await mkdir(path.join(reposDir, 'many'));
        await Promise.all(Array.from({ length: COPIES }, (_, i) => cp(one, path.join(reposDir, 'many', `t${String(i).padStart(3, '0')}.git`), { recursive: true })));
      },
    });
  });
  afterAll(async () => { await server.close(); });

  test(`lists all ${COPIES} templates, 100 a page, with their manifests (HEATER_MAX_READERS is 32)`, async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res = await fetch(`${server.url}/api/v1/templates?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = await res.json() as { items: { id: string; latestVersion: string; description: string }[]; nextCursor: string | null };
      for (const t of page.items) {
        expect(t).toMatchObject({ latestVersion: '1.0.0', description: 'Template number 0' });
        seen.push(t.id);
      }
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(COPIES);
    expect(new Set(seen).size).toBe(COPIES);
  });
});

describe('CatFilePool', () => {
  let pool: CatFilePool;
  afterEach(async () => {
    pool.close();
    expect(await waitNoGitChildren()).toEqual([]);
  });

  test('serves more repos than its cap at once, never holding more readers than the cap', async () => {
    pool = new CatFilePool(2);
    let most = 0;
    const reads = Array.from({ length: 60 }, async (_, i) => {
      const b = blobs[i % blobs.length] ?? blobs[0];
      if (!b) throw new Error('no fixture');
      const got = await pool.contents(b.gitDir, b.oid);
      most = Math.max(most, pool.size);
      return got?.data.toString('utf8').split('\n')[0];
    });
    const texts = await Promise.all(reads);
    expect(texts).toEqual(Array.from({ length: 60 }, (_, i) => blobs[i % blobs.length]?.text.trimEnd()));
    expect(most).toBeLessThanOrEqual(2);
    expect(pool.size).toBeLessThanOrEqual(2);
  });

  test('a read of a missing repo or object fails or answers null, and leaves its slot to others', async () => {
    pool = new CatFilePool(1);
    await expect(pool.contents(path.join(fixture, 'no-such.git'), 'a'.repeat(40))).rejects.toThrow(/cat-file/);
    const [first] = blobs;
    if (!first) throw new Error('no fixture');
    expect(await pool.info(first.gitDir, 'b'.repeat(40))).toBeNull();
    expect((await pool.contents(first.gitDir, first.oid))?.type).toBe('blob');
  });

  test('a caller that cannot get a reader within the wait limit gets BusyError, the reader in use is not cut', async () => {
    pool = new CatFilePool(1, 60_000, 1);
    const big = pool.contents(path.join(fixture, 'big.git'), bigBlob); // holds the only reader while 8 MiB stream
    const [first] = blobs;
    if (!first) throw new Error('no fixture');
    await expect(pool.contents(first.gitDir, first.oid)).rejects.toBeInstanceOf(BusyError);
    expect((await big)?.size).toBe(8 * 1024 * 1024);
    expect((await pool.contents(first.gitDir, first.oid))?.type).toBe('blob');
  });

  test('rejects an object spec of more than one line', async () => {
    pool = new CatFilePool(1);
    const [first] = blobs;
    if (!first) throw new Error('no fixture');
    await expect(pool.info(first.gitDir, 'HEAD\ninfo HEAD')).rejects.toThrow(/one line/);
  });
});
