// Clones and fetches through the pack cache end to end: the same objects as without it, repeated and concurrent clones answered whole by the server, fetches that say what they have through the hook, shallow apart, pushes seen, metrics.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startServer, waitFor, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate, tempDir } from '../helpers/git-client';

let cached: TestServer;
let plain: TestServer;
let work: WorkRepo;
let scratch: string;

beforeAll(async () => {
  work = await WorkRepo.create();
  for (let i = 0; i < 4; i++) {
    await work.commit({ 'template.yaml': hotTemplate(i), [`scripts/s${i}.sh`]: `#!/bin/sh\necho ${i}\n` }, `release ${i}`);
    await work.tag(`v1.${i}.0`);
  }
  cached = await startServer();
  plain = await startServer({ packCacheBytes: 0 });
  for (const s of [cached, plain]) await work.git(['push', '-q', `${s.authUrl}/acme/web.git`, 'main', '--tags']);
  scratch = await tempDir('heater-clones-');
});

afterAll(async () => {
  await Promise.all([cached.close(), plain.close(), work.cleanup(), rm(scratch, { recursive: true, force: true })]);
  expect(await waitNoGitChildren()).toEqual([]);
});

const cacheDir = (s: TestServer) => path.join(s.reposDir, '.heater', 'pack-cache');
/** The hook's log of lookups: `h` served from disk, `m` computed. */
const lookups = () => {
  const f = path.join(cacheDir(cached), 'lookups.log');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]) : [];
};
const entries = () => readdirSync(path.join(cacheDir(cached), 'entries'));
const answers = () => readdirSync(path.join(cacheDir(cached), 'responses'));
/** The server's counts of whole answers sent from disk (hit) and made by upload-pack (miss), from /metrics. */
async function answered(): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${cached.url}/metrics`)).text();
  const read = (r: string) => Number(new RegExp(`^heater_pack_cache_answers_total\\{result="${r}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { hit: read('hit'), miss: read('miss') };
}
let n = 0;
/** `git clone --bare` (plus `args`) of acme/web from `s` into a fresh folder; returns the folder. */
async function clone(s: TestServer, ...args: string[]): Promise<string> {
  const dir = path.join(scratch, `c${n++}`);
  await gitOk(['clone', '-q', '--bare', ...args, `${s.url}/acme/web.git`, dir]);
  return dir;
}
/** The same clone from a client that calls itself something else: its request differs, the pack it asks for does not. */
async function cloneAs(agent: string): Promise<string> {
  const dir = path.join(scratch, `c${n++}`);
  await gitOk(['clone', '-q', '--bare', `${cached.url}/acme/web.git`, dir], { env: { GIT_USER_AGENT: agent } });
  return dir;
}
/** What a clone holds: its refs and every object reachable from them, and whether fsck is happy. */
async function contents(dir: string): Promise<{ refs: string; objects: string[] }> {
  await gitOk(['--git-dir', dir, 'fsck', '--strict', '--no-dangling']);
  const objects = (await gitOk(['--git-dir', dir, 'rev-list', '--objects', '--all'])).trim().split('\n').sort();
  return { refs: await gitOk(['--git-dir', dir, 'for-each-ref']), objects };
}

test('a clone through the cache holds the same refs and objects as one from a server without it; a repeated clone is answered from disk', async () => {
  const first = await clone(cached);
  expect(answers()).toHaveLength(2); // the ref list (ls-refs) and the pack (fetch), kept whole
  // an answer kept whole is made without the hook: its pack is not kept a second time
  expect(lookups()).toEqual([]);
  expect(entries()).toEqual([]);
  const before = await answered();
  const again = await clone(cached);
  expect(await answered()).toEqual({ hit: before.hit + 2, miss: before.miss });
  expect(lookups()).toEqual([]); // no upload-pack, so no hook
  const reference = await clone(plain);
  expect(await contents(first)).toEqual(await contents(reference));
  expect(await contents(again)).toEqual(await contents(reference));
  expect(existsSync(cacheDir(plain))).toBe(false); // off: no folder, no hook
});

test('a client whose request differs (another git) has answers of its own, kept whole in turn', async () => {
  const before = await answered();
  const other = await cloneAs('git/2.99.0-bench');
  expect((await answered()).miss).toBe(before.miss + 2);
  await cloneAs('git/2.99.0-bench');
  expect(await answered()).toEqual({ hit: before.hit + 2, miss: before.miss + 2 });
  expect(lookups()).toEqual([]);
  expect(await contents(other)).toEqual(await contents(await clone(plain)));
});

test('16 identical clones at once all succeed and are all answered from disk', async () => {
  const before = { answered: await answered(), lookups: lookups().length };
  const dirs = await Promise.all(Array.from({ length: 16 }, () => clone(cached)));
  const reference = await contents(dirs[0] ?? '');
  for (const d of dirs.slice(1)) expect(await contents(d)).toEqual(reference);
  expect(await answered()).toEqual({ hit: before.answered.hit + 32, miss: before.answered.miss });
  expect(lookups()).toHaveLength(before.lookups);
}, 60_000);

test('16 identical clones of a new version at once compute its pack once and all get it', async () => {
  await work.commit({ 'template.yaml': hotTemplate(7) }, 'release 7');
  await work.tag('v1.7.0');
  await work.git(['push', '-q', `${cached.authUrl}/acme/web.git`, 'main', 'v1.7.0']);
  const before = { answered: await answered(), lookups: lookups().length };
  const dirs = await Promise.all(Array.from({ length: 16 }, () => clone(cached)));
  for (const d of dirs) expect((await gitOk(['--git-dir', d, 'rev-parse', 'v1.7.0^{commit}'])).trim()).toBe((await work.git(['rev-parse', 'HEAD'])).trim());
  // one upload-pack made each answer (ls-refs, fetch), the other 15 clones waited for them and were sent its file
  expect(await answered()).toEqual({ hit: before.answered.hit + 30, miss: before.answered.miss + 2 });
  expect(lookups()).toHaveLength(before.lookups);
}, 60_000);

test('a fetch that says what it has goes through the hook: the same fetch from another client is served the kept pack', async () => {
  const olds = [await clone(cached), await clone(cached)];
  const next = await work.commit({ 'template.yaml': hotTemplate(5) }, 'release 5');
  await work.tag('v1.5.0');
  await work.git(['push', '-q', `${cached.authUrl}/acme/web.git`, 'main', 'v1.5.0']);
  await new Promise((r) => setTimeout(r, 30)); // past the young-stamp window: refs changed a moment ago are never cached
  const before = { answered: await answered(), lookups: lookups().length };
  for (const old of olds) {
    await gitOk(['--git-dir', old, 'fetch', '-q', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
    expect((await gitOk(['--git-dir', old, 'rev-parse', 'main'])).trim()).toBe(next);
    await gitOk(['--git-dir', old, 'fsck', '--strict', '--no-dangling']);
  }
  // the same haves, the same pack: computed once, then served from disk; such answers are never kept whole
  const seen = lookups().slice(before.lookups);
  expect(seen.map(([r]) => r)).toEqual(['m', 'h']);
  expect(seen[0]?.[1]).toBe(seen[1]?.[1]);
  expect(entries()).toContain(`${seen[0]?.[1] ?? ''}.pack`);
  expect(await answered()).toEqual({ hit: before.answered.hit + 1, miss: before.answered.miss + 1 }); // the ref list, asked twice; the packs were never kept as answers
});

test('a shallow clone has an answer of its own, never the full one, and the full clone is not answered by it', async () => {
  const full = await clone(cached);
  const before = { answered: await answered(), answers: answers() };
  const shallow = await clone(cached, '--depth', '1');
  expect((await gitOk(['--git-dir', shallow, 'rev-list', '--count', 'main'])).trim()).toBe('1');
  expect(await answered()).toEqual({ hit: before.answered.hit + 1, miss: before.answered.miss + 1 }); // the full clone's ref list; its own fetch
  const mine = answers().filter((a) => !before.answers.includes(a));
  expect(mine).toHaveLength(1);
  const again = await clone(cached, '--depth', '1');
  expect(await answered()).toEqual({ hit: before.answered.hit + 3, miss: before.answered.miss + 1 });
  expect(answers().filter((a) => !before.answers.includes(a))).toEqual(mine);
  expect((await gitOk(['--git-dir', again, 'rev-list', '--count', 'main'])).trim()).toBe('1');
  expect(Number((await gitOk(['--git-dir', await clone(cached), 'rev-list', '--count', 'main'])).trim())).toBeGreaterThan(1);
  await gitOk(['--git-dir', full, 'fsck', '--strict', '--no-dangling']);
});

test('after a push, a fetch and a clone get the new objects', async () => {
  const old = await clone(cached);
  const next = await work.commit({ 'template.yaml': hotTemplate(9) }, 'release 9');
  await work.git(['push', '-q', `${cached.authUrl}/acme/web.git`, 'main']);
  await gitOk(['--git-dir', old, 'fetch', '-q', 'origin', '+refs/heads/*:refs/heads/*']);
  expect((await gitOk(['--git-dir', old, 'rev-parse', 'main'])).trim()).toBe(next);
  expect((await gitOk(['--git-dir', await clone(cached), 'rev-parse', 'main'])).trim()).toBe(next);
  await gitOk(['--git-dir', old, 'fsck', '--strict', '--no-dangling']);
});

test('/metrics counts the hook\'s hits and misses, the answers and the bytes on disk', async () => {
  const hits = lookups().filter(([r]) => r === 'h').length;
  let text = '';
  expect(await waitFor(async () => {
    text = await (await fetch(`${cached.url}/metrics`)).text();
    return /^heater_pack_cache_bytes [1-9]/m.test(text);
  }, 5000)).toBe(true);
  expect(text).toContain(`heater_pack_cache_lookups_total{result="hit"} ${hits}\n`);
  expect(text).toMatch(/^heater_pack_cache_lookups_total\{result="miss"\} [1-9]/m);
  expect(text).toMatch(/^heater_pack_cache_answers_total\{result="hit"\} [1-9]/m);
  expect(await (await fetch(`${plain.url}/metrics`)).text()).not.toContain('heater_pack_cache');
});

test('a request git refuses (a want it does not have) gets git\'s error line each time; nothing is kept', async () => {
  const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  const body = `${pkt('command=fetch\n')}${pkt('object-format=sha1\n')}0001${pkt(`want ${'1'.repeat(40)}\n`)}${pkt('done\n')}0000`;
  const before = answers();
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${cached.url}/acme/web.git/git-upload-pack`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Git-Protocol': 'version=2' } });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/ERR .*not our ref/);
  }
  expect(answers()).toEqual(before);
  expect(readdirSync(path.join(cacheDir(cached), 'tmp'))).toEqual([]);
});
