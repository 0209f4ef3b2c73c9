// The pack-objects cache without a server: its hook with a stand-in for pack-objects (hits, waits, killed writers) and its sweep (size, age, LRU, leftovers).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PackCache, LOOKUPS_FILE } from '../../src/git/pack-cache';
import { tempDir } from '../helpers/git-client';
import { waitFor } from '../helpers/server';

let stateDir: string;
let cache: PackCache;
const logged: string[] = [];
const gitVersion = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim(); // as app.ts reads it once for every cache
const open = (maxBytes = 1 << 30, maxAgeMs = 86_400_000) => PackCache.open(stateDir, { maxBytes, maxAgeMs }, (m) => logged.push(m), gitVersion);

beforeEach(async () => {
  stateDir = await tempDir('heater-pack-cache-');
  cache = await open();
});
afterEach(async () => {
  await cache.close();
  await rm(stateDir, { recursive: true, force: true });
  expect(logged).toEqual([]);
  logged.length = 0;
});

/** Runs the installed hook as upload-pack would, with `sh -c script` standing in for `git pack-objects`. */
function runHook(script: string, input: string, c = cache, refs?: string): { out: Promise<{ code: number | null; signal: string | null; stdout: string }>; pid: number } {
  const env = { ...process.env, ...c.env(stateDir), ...(refs !== undefined ? { HEATER_PACK_CACHE_REFS: refs } : {}) };
  const child = spawn(path.join(c.dir, 'hook'), ['sh', '-c', script], { cwd: stateDir, env, stdio: ['pipe', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString('latin1'); });
  child.stdin.end(input);
  const out = new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })));
  return { out, pid: child.pid ?? 0 };
}

const lookups = (c = cache) => (existsSync(path.join(c.dir, LOOKUPS_FILE)) ? readFileSync(path.join(c.dir, LOOKUPS_FILE), 'utf8').split('\n').filter(Boolean).map((l) => l[0]) : []);
const entries = (c = cache) => readdirSync(path.join(c.dir, 'entries'));
const leftovers = (c = cache) => readdirSync(path.join(c.dir, 'tmp'));
// a stand-in pack-objects: echoes its input (so the key's input is what it computes from) and counts its runs
const PACK = 'echo run >> runs; printf "pack:"; cat';

test('the first request computes, the same request again is served from disk; a different input is another entry', async () => {
  expect((await runHook(PACK, 'want a\n--not\n\n').out).stdout).toBe('pack:want a\n--not\n\n');
  expect((await runHook(PACK, 'want a\n--not\n\n').out).stdout).toBe('pack:want a\n--not\n\n');
  expect((await runHook(PACK, 'want b\n--not\n\n').out).stdout).toBe('pack:want b\n--not\n\n');
  expect(lookups()).toEqual(['m', 'h', 'm']);
  expect(entries()).toHaveLength(2);
  expect(leftovers()).toEqual([]);
  expect(readFileSync(path.join(stateDir, 'runs'), 'utf8')).toBe('run\nrun\n');
  expect(cache.stats()).toEqual(expect.objectContaining({ hits: 1, misses: 2 }));
});

test('a pack is kept per state of the refs: after a ref change the same input is computed again; refs changed a moment ago are never cached', async () => {
  expect((await runHook(PACK, 'want r\n', cache, 'refs-1').out).stdout).toBe('pack:want r\n');
  expect((await runHook(PACK, 'want r\n', cache, 'refs-1').out).stdout).toBe('pack:want r\n');
  expect((await runHook(PACK, 'want r\n', cache, 'refs-2').out).stdout).toBe('pack:want r\n'); // a tag pushed since: --include-tag may now add it
  expect(lookups()).toEqual(['m', 'h', 'm']);
  expect((await runHook(PACK, 'want r\n', cache, '').out).stdout).toBe('pack:want r\n'); // not yet trusted: pack-objects itself
  expect(lookups()).toEqual(['m', 'h', 'm']);
  expect(entries()).toHaveLength(2);
  expect(readFileSync(path.join(stateDir, 'runs'), 'utf8')).toBe('run\nrun\nrun\n');
});

test('identical requests arriving while the pack is computed wait for it and are all served it; it is computed once', async () => {
  // the first holds the lock until the file "go" appears; the others queue behind it
  const slow = `while [ ! -e go ]; do sleep 0.02; done; ${PACK}`;
  const first = runHook(slow, 'want c\n');
  expect(await waitFor(() => lookups().length === 1)).toBe(true);
  const rest = Array.from({ length: 7 }, () => runHook(slow, 'want c\n'));
  await writeFile(path.join(stateDir, 'go'), '');
  const all = await Promise.all([first, ...rest].map((r) => r.out));
  expect(all.map((r) => r.stdout)).toEqual(Array(8).fill('pack:want c\n'));
  expect(lookups().sort()).toEqual(['h', 'h', 'h', 'h', 'h', 'h', 'h', 'm']);
  expect(readFileSync(path.join(stateDir, 'runs'), 'utf8')).toBe('run\n');
  expect(leftovers()).toEqual([]);
});

test.each([
  ['pack-objects fails', `${PACK}; exit 3`, 3],
  ['pack-objects is killed halfway', 'printf half; kill -9 $$', 137],
])('when %s the client sees the failure, nothing is kept and the next request computes again', async (_what, script, code) => {
  expect((await runHook(script, 'want d\n').out).code).toBe(code);
  expect(entries()).toEqual([]);
  expect(leftovers()).toEqual([]);
  expect((await runHook(PACK, 'want d\n').out).stdout).toBe('pack:want d\n');
  expect(lookups()).toEqual(['m', 'm']);
});

test('a writer killed mid-pack leaves a partial that is never served and is removed at the next start', async () => {
  const hook = runHook('echo $$ > pid; printf half; exec sleep 30', 'want e\n');
  expect(await waitFor(() => leftovers().some((f) => f.endsWith('.part')) && existsSync(path.join(stateDir, 'pid')))).toBe(true);
  process.kill(hook.pid, 'SIGKILL'); // the hook itself: its `mv` never runs
  // its stand-in pack-objects still holds the lock: killed too, as a dying machine would
  process.kill(Number(readFileSync(path.join(stateDir, 'pid'), 'utf8')), 'SIGKILL');
  expect((await hook.out).signal).toBe('SIGKILL');
  expect(entries()).toEqual([]);
  expect((await runHook(PACK, 'want e\n').out).stdout).toBe('pack:want e\n'); // computed, not the half
  expect(lookups()).toEqual(['m', 'm']);
  expect(leftovers().filter((f) => f.endsWith('.part'))).toHaveLength(1); // the killed writer's
  await cache.close();
  cache = await open();
  expect(leftovers()).toEqual([]);
  expect(entries()).toHaveLength(1);
});

test('the sweep removes the least recently used entries past the size bound, counting hits as use, and entries past the age limit', async () => {
  await cache.close();
  cache = await open(2500, 3_600_000);
  const dir = path.join(cache.dir, 'entries');
  const key = (c: string) => c.repeat(64);
  const t = Date.now() / 1000;
  // a is the oldest written but was just hit; b is next; c is the newest; d is past the age limit
  for (const [c, age] of [['a', 300], ['b', 200], ['c', 100], ['d', 7200]] as const) {
    await writeFile(path.join(dir, `${key(c)}.pack`), Buffer.alloc(1000));
    await utimes(path.join(dir, `${key(c)}.pack`), t - age, t - age);
  }
  await writeFile(path.join(cache.dir, LOOKUPS_FILE), `h ${key('a')}\n`);
  await cache.sweep();
  expect(entries().sort()).toEqual([`${key('a')}.pack`, `${key('c')}.pack`]);
  expect(cache.stats()).toEqual({ hits: 1, misses: 0, answerHits: 0, answerMisses: 0, bytes: 2000, entries: 2 });
});

test('partials and locks left by killed writers are removed at start-up; the hook is reinstalled when edited', async () => {
  await cache.close();
  const tmp = path.join(stateDir, 'pack-cache', 'tmp');
  await mkdir(tmp, { recursive: true });
  await writeFile(path.join(tmp, `${'f'.repeat(64)}.123.part`), 'half');
  await writeFile(path.join(tmp, `${'f'.repeat(64)}.lock`), '');
  await writeFile(path.join(stateDir, 'pack-cache', 'hook'), '#!/bin/sh\nexit 1\n');
  cache = await open();
  expect(leftovers()).toEqual([]);
  expect((await runHook(PACK, 'want f\n').out).stdout).toBe('pack:want f\n');
});

test('upload-pack is told to run the hook by a -c option, and the hook gets the cache folder and the git version', () => {
  expect(cache.uploadPackConfig()).toEqual(['-c', `uploadpack.packObjectsHook=${path.join(cache.dir, 'hook')}`]);
  expect(cache.env(stateDir)).toEqual({ HEATER_PACK_CACHE_DIR: cache.dir, HEATER_PACK_CACHE_SALT: expect.stringMatching(/^heater-pack-cache \d+; git version \d/) as unknown, HEATER_PACK_CACHE_REFS: expect.stringMatching(/^[0-9a-f]{40}$/) as unknown });
});
