// The precomputed diff store and its queue without a server: entries read back only whole and for their pair, the bound, close().
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DiffStore } from '../../src/diff/diff-store';
import { DiffPrecompute, type TemplateVersions } from '../../src/diff/diff-precompute';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'heater-diff-store-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const T = (c: string) => c.repeat(40);
const entry = (text: string) => ({ raw: Buffer.from(text), summary: { required: 'patch' as const, breaking: false, changes: [] } });

test('an entry reads back for its own pair only; a store opened by another git starts empty', async () => {
  const store = await DiffStore.open(dir, 1 << 20, 'git version 2.39.5');
  expect(await store.put(T('a'), T('b'), entry('diff --git a/x b/x\n'))).toBe('kept');
  expect(await store.get(T('a'), T('b'))).toEqual({ found: entry('diff --git a/x b/x\n') });
  expect(await store.get(T('b'), T('a'))).toBe('missing');
  await expect((await DiffStore.open(dir, 1 << 20, 'git version 2.39.5')).get(T('a'), T('b'))).resolves.toMatchObject({ found: {} });
  const other = await DiffStore.open(dir, 1 << 20, 'git version 2.45.0');
  expect(await other.get(T('a'), T('b'))).toBe('missing');
  expect(other.stats()).toMatchObject({ hits: 0, misses: 1, corrupt: 0 });
});

test('past the bound the oldest go; the fill (evict false) takes only free room; a store of 0 bytes keeps nothing', async () => {
  const store = await DiffStore.open(dir, 1000, 'git version x'); // two entries of about 420 bytes
  const text = 'x'.repeat(200);
  expect(await store.put(T('1'), T('2'), entry(text))).toBe('kept');
  expect(await store.put(T('2'), T('3'), entry(text))).toBe('kept');
  expect(await store.put(T('3'), T('4'), entry(text), false)).toBe('no-room');
  expect(await store.put(T('3'), T('4'), entry(text))).toBe('kept');
  expect(await store.get(T('1'), T('2'))).toBe('missing');
  expect(await store.has(T('2'), T('3'))).toBe(true);
  expect(await store.put(T('4'), T('5'), entry('y'.repeat(1100)))).toBe('too-large');
  expect(store.stats().bytes).toBeLessThanOrEqual(1000);
  const none = await DiffStore.open(path.join(dir, 'none'), 0, 'git version x');
  expect(await none.put(T('1'), T('2'), entry(text))).toBe('no-room');
  expect(await readdir(dir)).not.toContain('none');
});

test('a write cut before its rename (a .tmp file) is removed when the folder is first listed', async () => {
  const store = await DiffStore.open(dir, 1 << 20, 'git version x');
  await writeFile(path.join(dir, `${T('a')}-${T('b')}.abc123.tmp`), 'half');
  expect(await store.has(T('a'), T('b'))).toBe(false);
  expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('close() while the fill is reading a template ends at once and queues nothing more', async () => {
  const store = await DiffStore.open(dir, 1 << 20, 'git version x');
  let started: () => void = () => undefined;
  const isStarted = new Promise<void>((resolve) => { started = resolve; });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const p = new DiffPrecompute(store, {
    versions: async () => { throw new Error('not asked'); },
    texts: async () => new Map(),
    everyTemplate: async function* (): AsyncGenerator<TemplateVersions> {
      started();
      await gate;
      yield { gitDir: path.join(dir, 'no.git'), versions: [{ version: '1.1.0', commit: 'c2', tree: T('b') }, { version: '1.0.0', commit: 'c1', tree: T('a') }] };
    },
  }, () => undefined);
  p.fill();
  await isStarted;
  const closing = p.close();
  release();
  await closing;
  await p.settled();
  expect(p.queued).toBe(0);
  expect(p.counts).toEqual({ done: 0, failed: 0 });
});
