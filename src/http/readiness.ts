// Readiness: whether this server should be sent traffic (data directory writable, git found, index caught up, not shutting down).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runGit } from '../git/exec';
import { systemReason } from '../errors/startup-error';

/** Each check's result: "ok", or a sentence saying what is wrong. */
export type ReadinessChecks = Readonly<Record<'dataDir' | 'git' | 'index' | 'shutdown', string>>;

export interface ReadinessSources {
  /** The folder the server writes its state into (the probe file goes to its tmp/). */
  readonly stateDir: string;
  /** Templates whose catalog entry is behind git (a reindex that failed, waiting for its retry). */
  readonly indexBehind: () => number;
  readonly isShuttingDown: () => boolean;
}

/** Runs the checks of GET /readyz. */
export class Readiness {
  constructor(private readonly sources: ReadinessSources) {}

  /** Every check's result; ready when all are "ok". Never throws. */
  async check(): Promise<{ readonly ready: boolean; readonly checks: ReadinessChecks }> {
    const [dataDir, gitFound] = await Promise.all([this.dataDirWritable(), this.gitFound()]);
    const behind = this.sources.indexBehind();
    const checks: ReadinessChecks = {
      dataDir,
      git: gitFound,
      index: behind === 0 ? 'ok' : `${behind} template${behind === 1 ? ' is' : 's are'} not indexed yet (a reindex failed and is retried)`,
      shutdown: this.sources.isShuttingDown() ? 'the server is shutting down' : 'ok',
    };
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  }

  /** A file created, written, flushed and removed in the state folder: a read-only or full filesystem fails here. */
  private async dataDirWritable(): Promise<string> {
    const probe = path.join(this.sources.stateDir, 'tmp', `readyz-${randomBytes(6).toString('hex')}`);
    try {
      await fs.mkdir(path.dirname(probe), { recursive: true });
      const h = await fs.open(probe, 'wx', 0o600);
      try { await h.writeFile('ready\n'); await h.sync(); } finally { await h.close(); }
      return 'ok';
    } catch (e) {
      return `the data directory is not writable: ${systemReason(e)}`;
    } finally {
      await fs.rm(probe, { force: true }).catch(() => undefined); // nothing to remove when it was never made
    }
  }

  private async gitFound(): Promise<string> {
    try {
      const r = await runGit(['--version'], { timeoutMs: 5000 });
      return r.code === 0 ? 'ok' : `git --version exited ${r.code}`;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not on PATH' : `cannot run git: ${(e as Error).message}`;
    }
  }
}
