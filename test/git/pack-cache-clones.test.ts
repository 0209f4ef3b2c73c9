// Clones through the pack-objects cache end to end: the same objects as without it, hits for repeated and concurrent clones, shallow apart, pushes seen, metrics.
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
let n = 0;
/** `git clone --bare` (plus `args`) of acme/web from `s` into a fresh folder; returns the folder. */
async function clone(s: TestServer, ...args: string[]): Promise<string> {
  const dir = path.join(scratch, `c${n++}`);
  await gitOk(['clone', '-q', '--bare', ...args, `${s.url}/acme/web.git`, dir]);
  return dir;
}
/** What a clone holds: its refs and every object reachable from them, and whether fsck is happy. */
async function contents(dir: string): Promise<{ refs: string; objects: string[] }> {
  await gitOk(['--git-dir', dir, 'fsck', '--strict', '--no-dangling']);
  const objects = (await gitOk(['--git-dir', dir, 'rev-list', '--objects', '--all'])).trim().split('\n').sort();
  return { refs: await gitOk(['--git-dir', dir, 'for-each-ref']), objects };
}

test('a clone through the cache holds the same refs and objects as one from a server without it; a repeated clone is a hit', async () => {
  const before = lookups().length;
  const first = await clone(cached);
  const again = await clone(cached);
  const reference = await clone(plain);
  expect(await contents(first)).toEqual(await contents(reference));
  expect(await contents(again)).toEqual(await contents(reference));
  const seen = lookups().slice(before);
  expect(seen.map(([r]) => r)).toEqual(['m', 'h']);
  expect(seen[0]?.[1]).toBe(seen[1]?.[1]);
  expect(entries()).toContain(`${seen[0]?.[1] ?? ''}.pack`);
  expect(existsSync(cacheDir(plain))).toBe(false); // off: no folder, no hook
});

test('16 identical clones at once all succeed; the pack is computed at most once, the rest are hits', async () => {
  await clone(cached); // the same request as the earlier clones: its entry exists, or is made now
  const before = lookups().length;
  const dirs = await Promise.all(Array.from({ length: 16 }, () => clone(cached)));
  const reference = await contents(dirs[0] ?? '');
  for (const d of dirs.slice(1)) expect(await contents(d)).toEqual(reference);
  expect(lookups().slice(before).map(([r]) => r)).toEqual(Array(16).fill('h'));
}, 60_000);

test('16 identical clones of a new version at once compute its pack once and all get it', async () => {
  await work.commit({ 'template.yaml': hotTemplate(7) }, 'release 7');
  await work.tag('v1.7.0');
  await work.git(['push', '-q', `${cached.authUrl}/acme/web.git`, 'main', 'v1.7.0']);
  const before = lookups().length;
  const dirs = await Promise.all(Array.from({ length: 16 }, () => clone(cached)));
  for (const d of dirs) expect((await gitOk(['--git-dir', d, 'rev-parse', 'v1.7.0^{commit}'])).trim()).toBe((await work.git(['rev-parse', 'HEAD'])).trim());
  expect(lookups().slice(before).map(([r]) => r).sort()).toEqual([...Array(15).fill('h'), 'm']);
}, 60_000);

test('a shallow clone has an entry of its own, never the full one, and the full clone is not answered by it', async () => {
  const full = await clone(cached);
  const before = lookups();
  const shallow = await clone(cached, '--depth', '1');
  expect((await gitOk(['--git-dir', shallow, 'rev-list', '--count', 'main'])).trim()).toBe('1');
  const [result, key] = lookups()[before.length] ?? [];
  expect(result).toBe('m');
  expect(before.map(([, k]) => k)).not.toContain(key);
  const shallowAgain = await clone(cached, '--depth', '1');
  expect(lookups()[before.length + 1]).toEqual(['h', key]);
  expect((await gitOk(['--git-dir', shallowAgain, 'rev-list', '--count', 'main'])).trim()).toBe('1');
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

test('/metrics counts the hits and misses and the bytes on disk', async () => {
  const hits = lookups().filter(([r]) => r === 'h').length;
  let text = '';
  expect(await waitFor(async () => {
    text = await (await fetch(`${cached.url}/metrics`)).text();
    return /^heater_pack_cache_bytes [1-9]/m.test(text);
  }, 5000)).toBe(true);
  expect(text).toContain(`heater_pack_cache_lookups_total{result="hit"} ${hits}\n`);
  expect(text).toMatch(/^heater_pack_cache_lookups_total\{result="miss"\} [1-9]/m);
  expect(await (await fetch(`${plain.url}/metrics`)).text()).not.toContain('heater_pack_cache');
});
