// Cross-process lock files for state files that more than one process changes (the server and the CLI): `<file>.lock`, taken atomically, stale ones recovered.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BusyError } from '../errors/limit-error';

export interface LockOptions {
  /** How long to wait for a lock another holder has before giving up with BusyError (default 10 s). */
  readonly waitMs?: number;
  /** A lock older than this is taken over even if its process seems alive (a reused pid, another host; default 2 min). */
  readonly staleMs?: number;
}

/** What a lock file holds: who took it, when, and a nonce that makes each lock file's text unique. */
interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly at: number;
  readonly nonce: string;
}

const WAIT_MS = 10_000;
// Critical sections are one read and one small write (milliseconds); two minutes is far past any live holder.
const STALE_MS = 120_000;
const HOST = os.hostname();

/** In this process, one holder per lock file at a time, so waiters queue here instead of polling the disk. */
const local = new Map<string, Promise<unknown>>();

/**
 * Runs `work` while holding `<file>.lock`, across processes, and returns its result. The lock file
 * is created by hard-linking a complete temporary file to its name (atomic, fails if it exists, so
 * it never holds half an owner), and records pid, host and time. A lock whose process is gone (same
 * host) or that is older than `staleMs` is stale: it is moved aside and taken over. Throws BusyError
 * when another live holder keeps it past `waitMs`; whatever `work` throws passes through.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  const before = local.get(lockPath) ?? Promise.resolve();
  const run = before.then(async () => {
    const owner = await acquire(lockPath, opts.waitMs ?? WAIT_MS, opts.staleMs ?? STALE_MS);
    try {
      return await work();
    } finally {
      await release(lockPath, owner);
    }
  });
  const settled = run.catch(() => undefined);
  local.set(lockPath, settled);
  void settled.then(() => { if (local.get(lockPath) === settled) local.delete(lockPath); });
  return run;
}

async function acquire(lockPath: string, waitMs: number, staleMs: number): Promise<string> {
  const owner: Owner = { pid: process.pid, host: HOST, at: Date.now(), nonce: randomBytes(8).toString('hex') };
  const text = `${JSON.stringify(owner)}\n`;
  const tmp = `${lockPath}.${owner.nonce}`;
  await fs.mkdir(path.dirname(lockPath), { recursive: true });
  await fs.writeFile(tmp, text, { mode: 0o600 });
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        await fs.link(tmp, lockPath);
        return text;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = await readLock(lockPath);
      if (held && isStale(held, staleMs)) { await takeOver(lockPath, held.text); continue; }
      if (Date.now() > deadline) {
        const who = held?.owner ? `process ${held.owner.pid} on ${held.owner.host} since ${new Date(held.owner.at).toISOString()}` : 'another process';
        throw new BusyError(1, `${lockPath} is held by ${who}; try again, or remove that file if no Heater process is running.`);
      }
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Removes the lock if it is still ours (a holder taken over as stale must not remove its successor's). */
async function release(lockPath: string, text: string): Promise<void> {
  const held = await readLock(lockPath);
  if (held?.text === text) await fs.rm(lockPath, { force: true });
}

async function readLock(lockPath: string): Promise<{ text: string; owner: Owner | null; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
    return { text, owner: parseOwner(text), mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.at === 'number' && typeof o.nonce === 'string' ? o as Owner : null;
  } catch {
    return null;
  }
}

/** Stale: its process is gone (checked on this host only) or it is older than `staleMs` (a file not in our format counts by its mtime). */
function isStale(held: { owner: Owner | null; mtimeMs: number }, staleMs: number): boolean {
  const at = held.owner?.at ?? held.mtimeMs;
  if (Date.now() - at > staleMs) return true;
  return held.owner !== null && held.owner.host === HOST && !isAlive(held.owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, but is someone else's
  }
}

/**
 * Moves a stale lock aside (rename is atomic: of several recoverers one wins); if what was moved is
 * not the lock judged stale (a live holder took the name meanwhile), it is linked back.
 */
async function takeOver(lockPath: string, staleText: string): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    if (await fs.readFile(aside, 'utf8') !== staleText) await fs.link(aside, lockPath).catch(() => undefined);
    else {
      const nonce = parseOwner(staleText)?.nonce;
      if (nonce && /^[0-9a-f]{16}$/.test(nonce)) await fs.rm(`${lockPath}.${nonce}`, { force: true }); // the dead holder's temporary file
    }
  } finally {
    await fs.rm(aside, { force: true });
  }
}
