// Repository housekeeping after pushes: `git gc --auto`, run by the server, off the pusher's clock.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gitEnv, spawnGit } from './exec';

// git's defaults (builtin/gc.c): gc.auto 6700 loose objects, estimated from objects/17 (6700 / 256,
// rounded up: 27), and gc.autoPackLimit 50 packs. Half of each is where gc --auto is asked.
const LOOSE_IN_17 = 13;
const PACKS = 25;

/**
 * False when `git gc --auto` in `gitDir` would surely find nothing to do: git's settings are its
 * defaults (the repo's config has no gc or include section; Heater's git reads no other config) and
 * the loose objects and packs are well under them. True when git should decide.
 */
export function mayNeedGc(gitDir: string): boolean {
  let config: string;
  try { config = readFileSync(path.join(gitDir, 'config'), 'utf8'); } catch { return true; }
  if (/^\s*\[\s*(gc|include|includeif)\b/im.test(config)) return true;
  const count = (dir: string, test: (name: string) => boolean) => {
    try { return readdirSync(path.join(gitDir, 'objects', dir)).filter(test).length; } catch { return 0; }
  };
  return count('17', (n) => /^[0-9a-f]{38}$/.test(n)) > LOOSE_IN_17 || count('pack', (n) => n.endsWith('.pack')) >= PACKS;
}

/**
 * receive-pack would run `git gc --auto` itself before it exits, and the pusher would wait for it
 * (about 2 ms when there is nothing to do, much longer when there is). Heater runs receive-pack with
 * `receive.autogc=false` and calls afterPush() once the push is answered: the same check, one at a
 * time per repository, never holding up a client; and only when a cheap look at the repository
 * says there may be something to do (spawning it cost the pusher 3-4 ms of the server's time).
 */
export class Housekeeper {
  private readonly running = new Map<string, ChildProcess>();
  private readonly again = new Set<string>();
  private closed = false;

  constructor(private readonly log: (msg: string) => void) {}

  /** Starts `git gc --auto` for `gitDir` unless one runs (then once more after it) or it would surely do nothing (mayNeedGc). */
  afterPush(gitDir: string): void {
    if (this.closed) return;
    if (this.running.has(gitDir)) { this.again.add(gitDir); return; }
    if (!mayNeedGc(gitDir)) return; // most pushes: no git process at all
    const child = spawnGit(['--git-dir', gitDir, '-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet'], { env: gitEnv() });
    child.stdin.end();
    child.stdout.resume();
    this.running.set(gitDir, child);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { if (err.length < 4096) err += d.toString('utf8'); });
    child.on('error', (e) => this.log(`gc --auto in ${gitDir} failed to start: ${e.message}`));
    child.on('close', (code) => {
      this.running.delete(gitDir);
      if (code !== 0 && !this.closed) this.log(`gc --auto in ${gitDir} exited ${code}: ${err.trim()}`);
      if (this.again.delete(gitDir)) this.afterPush(gitDir);
    });
  }

  /** Stops any running gc (git leaves a repository consistent when gc is interrupted) and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.values()].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) { resolve(); return; }
      c.once('close', () => resolve());
      c.kill('SIGTERM');
    })));
  }
}
