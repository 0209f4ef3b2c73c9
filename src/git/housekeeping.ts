// Repository housekeeping after pushes: `git gc --auto`, run by the server, off the pusher's clock.
import type { ChildProcess } from 'node:child_process';
import { gitEnv, spawnGit } from './exec';

/**
 * receive-pack would run `git gc --auto` itself before it exits, and the pusher would wait for it
 * (about 2 ms when there is nothing to do, much longer when there is). Heater runs receive-pack with
 * `receive.autogc=false` and calls afterPush() once the push is answered: the same check, one at a
 * time per repository, never holding up a client.
 */
export class Housekeeper {
  private readonly running = new Map<string, ChildProcess>();
  private readonly again = new Set<string>();
  private closed = false;

  constructor(private readonly log: (msg: string) => void) {}

  /** Starts `git gc --auto` for `gitDir` unless one runs (then once more after it). */
  afterPush(gitDir: string): void {
    if (this.closed) return;
    if (this.running.has(gitDir)) { this.again.add(gitDir); return; }
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
