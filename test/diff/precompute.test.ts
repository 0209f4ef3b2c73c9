// Diffs of consecutive versions precomputed after each write and kept on disk: the first request is a hit, byte-equal to git diff, after a restart too.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';
import type { Config } from '../../src/config/config';

let dir: string;
const running: TestServer[] = [];

beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'heater-precompute-')); });
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

/** A server over `dir`, left in place when it stops (so the next one starts on the same data). */
async function start(overrides: Partial<Config> = {}): Promise<TestServer> {
  const s = await startServer(overrides, { reposDir: dir });
  running.push(s);
  return s;
}
async function stop(s: TestServer): Promise<void> {
  running.splice(running.indexOf(s), 1);
  await s.close();
}

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join('\n');
/** Files of version `n`: a template whose flavor changes and a document with one changed line per version. */
const files = (n: number) => ({ 'template.yaml': hotTemplate(1).replace('m1.small', `m1.size${n}`), 'docs/notes.md': `${lines(30, 'notes').replace('notes line 15', `notes line 15, version ${n}`)}\n` });

async function publish(s: TestServer, id: string, version: string, n: number): Promise<number> {
  const res = await fetch(`${s.url}/api/v1/templates/${id}/versions`, {
    method: 'POST', headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ version, files: files(n) }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** The value of one series of the server's /metrics (0 when absent). */
async function metric(s: TestServer, name: string, result: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{result="${result}"\\} (\\d+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}
const lookups = async (s: TestServer) => ({ hit: await metric(s, 'heater_diff_store_lookups_total', 'hit'), miss: await metric(s, 'heater_diff_store_lookups_total', 'miss'), corrupt: await metric(s, 'heater_diff_store_lookups_total', 'corrupt') });

/** What `git diff --no-color -M -U3 vA vB` prints in the server's repository. */
const gitDiff = (id: string, a: string, b: string) => execFileSync('git', ['--git-dir', path.join(dir, `${id}.git`), 'diff', '--no-color', '-M', '-U3', `v${a}`, `v${b}`], { env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
const tree = (id: string, v: string) => execFileSync('git', ['--git-dir', path.join(dir, `${id}.git`), 'rev-parse', `v${v}^{tree}`]).toString().trim();
const entryFile = (id: string, a: string, b: string) => path.join(dir, '.heater', 'diffs', `${tree(id, a)}-${tree(id, b)}`);

async function patch(s: TestServer, id: string, a: string, b: string): Promise<Buffer> {
  const res = await fetch(`${s.url}/api/v1/templates/${id}/diff?from=${a}&to=${b}&format=patch`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}
const json = async (s: TestServer, id: string, a: string, b: string) => (await fetch(`${s.url}/api/v1/templates/${id}/diff?from=${a}&to=${b}`)).text();

test('REST publishes, one inserted between two: every consecutive pair is a hit on its first request, byte-equal to git diff, and after a restart', async () => {
  const s = await start();
  for (const [v, n] of [['1.0.0', 0], ['1.1.0', 1], ['2.0.0', 2], ['1.5.0', 3]] as const) expect(await publish(s, 'acme/web', v, n)).toBe(201);
  await s.settled();
  const pairs = [['1.0.0', '1.1.0'], ['1.1.0', '1.5.0'], ['1.5.0', '2.0.0']] as const;
  for (const [a, b] of pairs) expect((await patch(s, 'acme/web', a, b)).equals(gitDiff('acme/web', a, b))).toBe(true);
  expect(await lookups(s)).toEqual({ hit: 3, miss: 0, corrupt: 0 });
  await stop(s);

  const again = await start();
  for (const [a, b] of pairs) expect((await patch(again, 'acme/web', a, b)).equals(gitDiff('acme/web', a, b))).toBe(true);
  const fromGit = await json(again, 'acme/web', '1.0.0', '2.0.0'); // never consecutive: computed from git, one lookup
  expect(await lookups(again)).toEqual({ hit: 3, miss: 1, corrupt: 0 });
  const hitJson = await json(again, 'acme/web', '1.1.0', '1.5.0');
  await stop(again);

  // the same answers from a server that keeps nothing: byte-equal JSON
  const plain = await start({ diffStoreBytes: 0 });
  expect(await json(plain, 'acme/web', '1.1.0', '1.5.0')).toBe(hitJson);
  expect(await json(plain, 'acme/web', '1.0.0', '2.0.0')).toBe(fromGit);
  expect(await lookups(plain)).toEqual({ hit: 0, miss: 0, corrupt: 0 });
});

test('a git push of versions precomputes their pairs; a server that starts on versions it never saw fills them in after ready', async () => {
  const plain = await start({ diffStoreBytes: 0 });
  const w = await WorkRepo.create();
  try {
    for (const [v, n] of [['v1.0.0', 0], ['v1.0.1', 1], ['v1.1.0', 2]] as const) { await w.commit(files(n), v); await w.tag(v); }
    expect((await w.run(['push', `${plain.authUrl}/acme/pushed.git`, 'main', '--tags'])).code).toBe(0);
    await plain.settled();
    await stop(plain);
    expect(await readdir(path.join(dir, '.heater', 'diffs')).catch(() => [])).toEqual([]);

    const filler = await start();
    await filler.settled(); // the fill after ready: the two pairs
    expect(await metric(filler, 'heater_diff_precomputed_total', 'ok')).toBe(2);
    await w.commit(files(3), 'v1.2.0');
    await w.tag('v1.2.0');
    expect((await w.run(['push', `${filler.authUrl}/acme/pushed.git`, 'main', '--tags'])).code).toBe(0);
    await filler.settled();
    expect(await metric(filler, 'heater_diff_precomputed_total', 'ok')).toBe(3);
    await stop(filler);

    const s = await start();
    for (const [a, b] of [['1.0.0', '1.0.1'], ['1.0.1', '1.1.0'], ['1.1.0', '1.2.0']]) expect((await patch(s, 'acme/pushed', a ?? '', b ?? '')).equals(gitDiff('acme/pushed', a ?? '', b ?? ''))).toBe(true);
    expect(await lookups(s)).toEqual({ hit: 3, miss: 0, corrupt: 0 });
    await s.settled();
    expect(await metric(s, 'heater_diff_precomputed_total', 'ok')).toBe(0); // nothing was missing
  } finally { await w.cleanup(); }
});

test.each([
  ['cut in half', async (file: string) => { const b = await readFile(file); await writeFile(file, b.subarray(0, b.length >> 1)); }],
  ['one byte of the patch changed', async (file: string) => { const b = await readFile(file); const i = b.indexOf('@@'); b[i + 3] = (b[i + 3] ?? 0) ^ 1; await writeFile(file, b); }],
  ['emptied', async (file: string) => { await writeFile(file, ''); }],
])('an entry %s is never served: the request gets git diff, and the entry is computed again', async (_what, damage) => {
  const s = await start();
  expect(await publish(s, 'acme/web', '1.0.0', 0)).toBe(201);
  expect(await publish(s, 'acme/web', '1.1.0', 1)).toBe(201);
  await s.settled();
  await stop(s);
  await damage(entryFile('acme/web', '1.0.0', '1.1.0'));

  const again = await start();
  expect((await patch(again, 'acme/web', '1.0.0', '1.1.0')).equals(gitDiff('acme/web', '1.0.0', '1.1.0'))).toBe(true);
  expect(await lookups(again)).toEqual({ hit: 0, miss: 0, corrupt: 1 });
  await again.settled();
  await stop(again);

  const third = await start();
  expect((await patch(third, 'acme/web', '1.0.0', '1.1.0')).equals(gitDiff('acme/web', '1.0.0', '1.1.0'))).toBe(true);
  expect(await lookups(third)).toEqual({ hit: 1, miss: 0, corrupt: 0 });
});

test('an entry copied under another pair\'s name is never served for it', async () => {
  const s = await start();
  for (const [v, n] of [['1.0.0', 0], ['1.1.0', 1], ['1.2.0', 2]] as const) expect(await publish(s, 'acme/web', v, n)).toBe(201);
  await s.settled();
  await stop(s);
  await writeFile(entryFile('acme/web', '1.1.0', '1.2.0'), await readFile(entryFile('acme/web', '1.0.0', '1.1.0')));
  const again = await start();
  expect((await patch(again, 'acme/web', '1.1.0', '1.2.0')).equals(gitDiff('acme/web', '1.1.0', '1.2.0'))).toBe(true);
  expect(await lookups(again)).toEqual({ hit: 0, miss: 0, corrupt: 1 });
});

test('the store stays within its byte bound: the oldest entries go first', async () => {
  const s = await start();
  expect(await publish(s, 'acme/web', '1.0.0', 0)).toBe(201);
  expect(await publish(s, 'acme/web', '1.0.1', 1)).toBe(201);
  await s.settled();
  const one = (await stat(entryFile('acme/web', '1.0.0', '1.0.1'))).size;
  await stop(s);

  const bound = Math.floor(one * 2.5); // room for two entries
  const small = await start({ diffStoreBytes: bound });
  for (const [v, n] of [['1.0.2', 2], ['1.0.3', 3], ['1.0.4', 4]] as const) { expect(await publish(small, 'acme/web', v, n)).toBe(201); await small.settled(); }
  const names = (await readdir(path.join(dir, '.heater', 'diffs'))).filter((f) => /^[0-9a-f]+-[0-9a-f]+$/.test(f));
  const sizes = await Promise.all(names.map(async (f) => (await stat(path.join(dir, '.heater', 'diffs', f))).size));
  expect(names.sort()).toEqual([path.basename(entryFile('acme/web', '1.0.2', '1.0.3')), path.basename(entryFile('acme/web', '1.0.3', '1.0.4'))].sort());
  expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(bound);
  for (const [a, b] of [['1.0.0', '1.0.1'], ['1.0.3', '1.0.4']]) expect((await patch(small, 'acme/web', a ?? '', b ?? '')).equals(gitDiff('acme/web', a ?? '', b ?? ''))).toBe(true);
  expect(await lookups(small)).toEqual({ hit: 1, miss: 1, corrupt: 0 });
});

test('a precompute that fails (the store unwritable, the repository deleted) never touches the write', async () => {
  const s = await start();
  const diffs = path.join(dir, '.heater', 'diffs');
  await rm(diffs, { recursive: true, force: true });
  await writeFile(diffs, 'not a folder\n'); // every write into it fails, whoever runs the test
  expect(await publish(s, 'acme/web', '1.0.0', 0)).toBe(201);
  expect(await publish(s, 'acme/web', '1.1.0', 1)).toBe(201);
  await s.settled();
  expect(await metric(s, 'heater_diff_precomputed_total', 'failed')).toBe(1);
  expect((await patch(s, 'acme/web', '1.0.0', '1.1.0')).equals(gitDiff('acme/web', '1.0.0', '1.1.0'))).toBe(true);
  await rm(diffs, { force: true });

  expect(await publish(s, 'acme/gone', '1.0.0', 0)).toBe(201);
  expect(await publish(s, 'acme/gone', '1.1.0', 1)).toBe(201);
  // most often before its pair is computed (50 ms after the write); on a loaded machine the pair may win the race
  await rm(path.join(dir, 'acme', 'gone.git'), { recursive: true, force: true });
  await s.settled();
  expect(await publish(s, 'acme/web', '1.2.0', 2)).toBe(201); // the queue goes on
  await s.settled();
  expect((await patch(s, 'acme/web', '1.1.0', '1.2.0')).equals(gitDiff('acme/web', '1.1.0', '1.2.0'))).toBe(true);
  expect(await lookups(s)).toMatchObject({ hit: 1 });
});

test('concurrent publishes to one template all get their pairs', async () => {
  const s = await start();
  expect(await publish(s, 'acme/web', '1.0.0', 0)).toBe(201);
  const versions = ['1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0'];
  expect(await Promise.all(versions.map((v, i) => publish(s, 'acme/web', v, i + 1)))).toEqual(versions.map(() => 201));
  await s.settled();
  const all = ['1.0.0', ...versions];
  for (let i = 1; i < all.length; i++) {
    const [a, b] = [all[i - 1] ?? '', all[i] ?? ''];
    expect((await patch(s, 'acme/web', a, b)).equals(gitDiff('acme/web', a, b))).toBe(true);
  }
  expect(await lookups(s)).toEqual({ hit: versions.length, miss: 0, corrupt: 0 });
});
