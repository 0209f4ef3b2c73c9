// Starts a real Heater server on an ephemeral port over a fresh data directory.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import childProcess from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createApp, type AppOptions } from '../../src/app';
import { testConfig, type Config } from '../../src/config/config';

export const TOKEN = 'test-admin-token-0123456789';

export interface TestServer {
  readonly url: string;
  readonly reposDir: string;
  readonly token: string;
  /** `http://x:<token>@host:port` — a git remote base with credentials. */
  readonly authUrl: string;
  close(): Promise<void>;
  /** Resolves once the server's background work queued so far (precomputed diffs) is done. */
  settled(): Promise<void>;
}

export interface StartOptions extends AppOptions {
  /** Fills the data directory before the server starts (repos copied in, say). */
  readonly prepare?: (reposDir: string) => Promise<void>;
  /** Serve this data directory, and leave it in place on close (a restart over the same data). */
  readonly reposDir?: string;
}

/** A running server; `close()` stops it and removes its data directory. */
export async function startServer(overrides: Partial<Config> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const reposDir = opts.reposDir ?? await mkdtemp(path.join(os.tmpdir(), 'heater-test-'));
  await opts.prepare?.(reposDir);
  const app = await createApp(testConfig({ reposDir, adminToken: TOKEN, ...overrides }), opts);
  const url = await app.listen();
  const u = new URL(url);
  return {
    url,
    reposDir,
    token: TOKEN,
    authUrl: `${u.protocol}//x:${TOKEN}@${u.host}`,
    settled: () => app.settled(),
    close: async () => {
      await app.close();
      if (!opts.reposDir) await rm(reposDir, { recursive: true, force: true });
    },
  };
}

/** Pids of live `git` processes whose parent is this process; `exceptReaders` leaves out the long-lived cat-file readers. */
export function gitChildren(exceptReaders = false): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      const state = st.slice(st.lastIndexOf(')') + 2).split(' ')[0];
      if (ppid !== process.pid || !comm.startsWith('git') || state === 'Z') continue;
      if (exceptReaders && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('\0--batch-command')) continue;
      out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}

/** Waits until no git child of this process is left (up to `ms`); returns the ones still alive. */
export async function waitNoGitChildren(ms = 3000, exceptReaders = false): Promise<number[]> {
  const t0 = Date.now();
  for (;;) {
    const left = gitChildren(exceptReaders);
    if (left.length === 0 || Date.now() - t0 > ms) return left;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls `check` every 25 ms until it returns true or `ms` passed; returns its last answer. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return true;
    if (Date.now() - t0 > ms) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Calls `onSpawn` with the arguments and the process of every `git` the server (in this process)
 * starts from now on; `jest.restoreAllMocks()` stops it.
 */
export function watchGitSpawns(onSpawn: (args: readonly string[], child: childProcess.ChildProcess) => void): void {
  const spawn = childProcess.spawn;
  jest.spyOn(childProcess, 'spawn').mockImplementation(((cmd: string, args: readonly string[], opts: childProcess.SpawnOptions) => {
    const child = spawn(cmd, args, opts);
    if (cmd === 'git') onSpawn(args, child);
    return child;
  }) as typeof childProcess.spawn);
}
