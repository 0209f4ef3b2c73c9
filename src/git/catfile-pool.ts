// Long-lived `git cat-file --batch-command` readers, one per repo, bounded (LRU) and recycled when idle.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { gitEnv } from './exec';

export interface ObjectInfo {
  readonly oid: string;
  readonly type: 'blob' | 'tree' | 'commit' | 'tag';
  readonly size: number;
}
export interface ObjectData extends ObjectInfo {
  readonly data: Buffer;
}

interface Pending {
  readonly withData: boolean;
  readonly resolve: (v: ObjectData | ObjectInfo | null) => void;
  readonly reject: (e: Error) => void;
}

/** One `git cat-file --batch-command` answering requests in order (git answers them in order too). */
export class Reader {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: { info: ObjectInfo; need: number } | null = null;
  dead = false;
  lastUsed = Date.now();

  /** `env` is added to the environment (a push's quarantine variables, say). */
  constructor(gitDir: string, onExit: () => void, env: Readonly<Record<string, string>> = {}) {
    this.child = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch-command'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
    this.child.stderr.on('data', () => { /* drained: an undrained pipe would block the reader */ });
    this.child.stdin.on('error', () => { /* reported through 'exit' */ });
    const fail = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      for (const p of this.queue.splice(0)) p.reject(new Error(`git cat-file for ${gitDir} ${why}`));
      onExit();
    };
    this.child.on('error', (e) => fail(`failed: ${e.message}`));
    this.child.on('exit', (code, sig) => fail(`exited (${code ?? sig})`));
  }

  get busy(): boolean { return this.queue.length > 0; }

  request(spec: string, withData: boolean): Promise<ObjectData | ObjectInfo | null> {
    this.lastUsed = Date.now();
    return new Promise((resolve, reject) => {
      if (this.dead) { reject(new Error('git cat-file is not running')); return; }
      this.queue.push({ withData, resolve, reject });
      this.child.stdin.write(`${withData ? 'contents' : 'info'} ${spec}\n`);
    });
  }

  close(): void {
    this.dead = true;
    this.child.stdin.end();
    this.child.kill('SIGTERM');
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (!this.header) {
        const buf = this.flatten();
        const nl = buf.indexOf(10);
        if (nl < 0) return;
        const line = buf.toString('latin1', 0, nl);
        this.consume(nl + 1);
        const p = this.queue[0];
        if (!p) continue;
        const [oid = '', type = '', size = ''] = line.split(' ');
        if (type === 'missing' || type === 'ambiguous' || !/^[0-9a-f]{40,64}$/.test(oid)) { this.queue.shift(); p.resolve(null); continue; }
        const info: ObjectInfo = { oid, type: type as ObjectInfo['type'], size: Number(size) };
        if (!p.withData) { this.queue.shift(); p.resolve(info); continue; }
        this.header = { info, need: info.size + 1 }; // content, then a newline
      }
      if (this.buffered < this.header.need) return;
      const buf = this.flatten();
      const data = buf.subarray(0, this.header.info.size);
      const info = this.header.info;
      this.header = null;
      this.consume(info.size + 1);
      this.queue.shift()?.resolve({ ...info, data: Buffer.from(data) });
    }
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): void {
    const buf = this.flatten();
    const rest = buf.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
  }
}

/**
 * Readers for many repos. Callers give object ids or `<commit-oid>:<path>` expressions, never ref
 * names: a long-lived reader can resolve names against stale packed-refs (GIT-HTTP.md §3.3).
 */
export class CatFilePool {
  private readonly readers = new Map<string, Reader>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly maxReaders: number, private readonly idleMs = 60_000) {
    this.timer = setInterval(() => this.recycle(), Math.min(idleMs, 30_000));
    this.timer.unref();
  }

  /** Type and size of `spec`, or null when it does not name an object. */
  async info(gitDir: string, spec: string): Promise<ObjectInfo | null> {
    return this.reader(gitDir, spec).request(spec, false) as Promise<ObjectInfo | null>;
  }

  /** Type, size and bytes of `spec`, or null when it does not name an object. */
  async contents(gitDir: string, spec: string): Promise<ObjectData | null> {
    return this.reader(gitDir, spec).request(spec, true) as Promise<ObjectData | null>;
  }

  /** Stops the reader of one repo (before it is deleted). */
  drop(gitDir: string): void {
    this.readers.get(gitDir)?.close();
    this.readers.delete(gitDir);
  }

  /** Stops every reader. */
  close(): void {
    clearInterval(this.timer);
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }

  private reader(gitDir: string, spec: string): Reader {
    if (/[\n\r\0]/.test(spec)) throw new Error('object spec must be one line'); // callers validate; this is the last guard
    let r = this.readers.get(gitDir);
    if (r && !r.dead) {
      this.readers.delete(gitDir);
      this.readers.set(gitDir, r);
      return r;
    }
    r = new Reader(gitDir, () => { if (this.readers.get(gitDir) === r) this.readers.delete(gitDir); });
    this.readers.set(gitDir, r);
    for (const [dir, old] of this.readers) {
      if (this.readers.size <= this.maxReaders) break;
      if (!old.busy) { old.close(); this.readers.delete(dir); }
    }
    return r;
  }

  private recycle(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [dir, r] of this.readers) if (!r.busy && r.lastUsed < cutoff) { r.close(); this.readers.delete(dir); }
  }
}
