// The state-file lock across real processes: no lost update among many writers, a killed holder's lock recovered, a live one waited for.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../../src/state/file-lock';
import { writeFileAtomic } from '../../src/state/atomic-file';
import { BusyError } from '../../src/errors/limit-error';
import { waitFor } from '../helpers/server';

const DIST = path.join(__dirname, '..', '..', 'dist', 'state');
let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'heater-lock-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

/** A node process running `body` with withFileLock and writeFileAtomic of the built modules in scope. */
function node(body: string): ChildProcess {
  const script = `const { withFileLock } = require(${JSON.stringify(path.join(DIST, 'file-lock.js'))});
const { writeFileAtomic } = require(${JSON.stringify(path.join(DIST, 'atomic-file.js'))});
const fs = require('node:fs/promises');
(async () => { ${body} })().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => { if (c.exitCode !== null) r(c.exitCode); else c.on('exit', (code) => r(code)); });

/** One read-modify-write: the counter file's list gets `who` appended. */
const appendUnderLock = (file: string, who: string) => `await withFileLock(${JSON.stringify(file)}, async () => {
  let list = []; try { list = JSON.parse(await fs.readFile(${JSON.stringify(file)}, 'utf8')); } catch {}
  await writeFileAtomic(${JSON.stringify(file)}, JSON.stringify([...list, ${JSON.stringify(who)}]));
});`;

test('6 processes and this one, 20 read-modify-writes each, all at once: every write is kept', async () => {
  const file = path.join(dir, 'state.json');
  const procs = Array.from({ length: 6 }, (_, p) => node(Array.from({ length: 20 }, (_, i) => appendUnderLock(file, `p${p}-${i}`)).join('\n')));
  const mine = Array.from({ length: 20 }, (_, i) => withFileLock(file, async () => {
    let list: string[] = [];
    try { list = JSON.parse(await readFile(file, 'utf8')) as string[]; } catch { list = []; }
    await writeFileAtomic(file, JSON.stringify([...list, `me-${i}`]));
  }));
  await Promise.all(mine);
  expect(await Promise.all(procs.map(exited))).toEqual([0, 0, 0, 0, 0, 0]);
  const list = JSON.parse(await readFile(file, 'utf8')) as string[];
  expect(list).toHaveLength(140);
  expect(new Set(list).size).toBe(140);
  await expect(access(`${file}.lock`)).rejects.toThrow(); // released
});

test('the lock of a process killed while holding it is recovered', async () => {
  const file = path.join(dir, 'tokens.json');
  const holder = node(`await withFileLock(${JSON.stringify(file)}, () => new Promise(() => { setInterval(() => {}, 1000); }));`);
  expect(await waitFor(() => access(`${file}.lock`).then(() => true, () => false), 10_000)).toBe(true);
  holder.kill('SIGKILL');
  await exited(holder);
  await expect(withFileLock(file, async () => 'mine', { waitMs: 10_000 })).resolves.toBe('mine');
  await expect(access(`${file}.lock`)).rejects.toThrow();
});

test('a live holder is waited for, and past the wait the caller gets BusyError naming the lock', async () => {
  const file = path.join(dir, 'settings.json');
  const holder = node(`await withFileLock(${JSON.stringify(file)}, () => new Promise(() => { setInterval(() => {}, 1000); }));`);
  try {
    expect(await waitFor(() => access(`${file}.lock`).then(() => true, () => false), 10_000)).toBe(true);
    const refused = await withFileLock(file, async () => 'mine', { waitMs: 200 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BusyError);
    expect((refused as Error).message).toContain(`process ${holder.pid}`);
  } finally {
    holder.kill('SIGKILL');
    await exited(holder);
  }
});

test('a lock older than staleMs is taken over even when its pid is alive (a reused pid); one not in our format counts by its mtime', async () => {
  const file = path.join(dir, 'x.json');
  await writeFile(`${file}.lock`, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() - 3_600_000, nonce: 'old' }));
  await expect(withFileLock(file, async () => 1, { waitMs: 5000 })).resolves.toBe(1);
  await writeFile(`${file}.lock`, 'garbage');
  await expect(withFileLock(file, async () => 2, { waitMs: 100 })).rejects.toBeInstanceOf(BusyError); // fresh: a writer mid-way
  await expect(withFileLock(file, async () => 3, { waitMs: 100, staleMs: 0 })).resolves.toBe(3);
});

test('what the work throws passes through and the lock is released', async () => {
  const file = path.join(dir, 'y.json');
  await expect(withFileLock(file, async () => { throw new Error('refused'); })).rejects.toThrow('refused');
  await expect(withFileLock(file, async () => 'next', { waitMs: 100 })).resolves.toBe('next');
});
