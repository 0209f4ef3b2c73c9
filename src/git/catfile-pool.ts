// Long-lived `git cat-file --batch-command` readers, one per repo, bounded (LRU) and recycled when idle.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { gitEnv } from './exec';
import { BusyError, UnavailableError } from '../errors/limit-error';

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

  /** `env` is added to the environment (a push's quarantine variables, say); `onIdle` runs whenever the last queued request is answered. */
  constructor(gitDir: string, onExit: () => void, env: Readonly<Record<string, string>> = {}, private readonly onIdle: () => void = () => undefined) {
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
        if (type === 'missing' || type === 'ambiguous' || !/^[0-9a-f]{40,64}$/.test(oid)) { this.answer(null); continue; }
        const info: ObjectInfo = { oid, type: type as ObjectInfo['type'], size: Number(size) };
        if (!p.withData) { this.answer(info); continue; }
        this.header = { info, need: info.size + 1 }; // content, then a newline
      }
      if (this.buffered < this.header.need) return;
      const buf = this.flatten();
      const data = buf.subarray(0, this.header.info.size);
      const info = this.header.info;
      this.header = null;
      this.consume(info.size + 1);
      this.answer({ ...info, data: Buffer.from(data) });
    }
  }

  private answer(v: ObjectData | ObjectInfo | null): void {
    this.queue.shift()?.resolve(v);
    if (this.queue.length === 0) this.onIdle();
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

/** How long a read waits for a reader when every one is in use before it gives up (503 busy). */
const MAX_WAIT_MS = 30_000;

/**
 * Readers for many repos, at most `maxReaders` alive. Callers give object ids or
 * `<commit-oid>:<path>` expressions, never ref names: a long-lived reader can resolve names against
 * stale packed-refs (GIT-HTTP.md §3.3).
 *
 * A reader with requests queued is in use and is never closed to make room; a read for a repo without
 * a reader when all are in use waits, first come first served, until one is idle (then that one is
 * closed) or `maxWaitMs` passed. A caller holds a reader only while one of its requests is queued,
 * never while it waits for another, so a request that needs readers of many repos at once (a listing)
 * cannot deadlock: every reader in use is answering and will be idle again.
 */
export class CatFilePool {
  private readonly readers = new Map<string, Reader>();
  private readonly waiting: { wake: () => void }[] = [];
  private wakeScheduled = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly maxReaders: number, private readonly idleMs = 60_000, private readonly maxWaitMs = MAX_WAIT_MS) {
    this.timer = setInterval(() => this.recycle(), Math.min(idleMs, 30_000));
    this.timer.unref();
  }

  /** How many readers are alive. */
  get size(): number { return this.readers.size; }
  /** Reads waiting for a reader (every reader busy, the pool full). */
  get waitingReads(): number { return this.waiting.length; }

  /** Type and size of `spec`, or null when it does not name an object. Throws BusyError when no reader frees up in time. */
  async info(gitDir: string, spec: string): Promise<ObjectInfo | null> {
    return this.request(gitDir, spec, false) as Promise<ObjectInfo | null>;
  }

  /** Type, size and bytes of `spec`, or null when it does not name an object. Throws BusyError as info(). */
  async contents(gitDir: string, spec: string): Promise<ObjectData | null> {
    return this.request(gitDir, spec, true) as Promise<ObjectData | null>;
  }

  /** Stops the reader of one repo (before it is deleted). */
  drop(gitDir: string): void {
    this.readers.get(gitDir)?.close();
    this.readers.delete(gitDir);
    this.wakeWaiters();
  }

  /** Stops every reader; reads still waiting for one fail with UnavailableError. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
    for (const w of this.waiting.splice(0)) w.wake();
  }

  private async request(gitDir: string, spec: string, withData: boolean): Promise<ObjectData | ObjectInfo | null> {
    if (/[\n\r\0]/.test(spec)) throw new Error('object spec must be one line'); // callers validate; this is the last guard
    const deadline = Date.now() + this.maxWaitMs;
    // newcomers queue behind those already waiting, unless their repo has a reader
    let first = this.waiting.length === 0 || this.readers.has(gitDir);
    for (;;) {
      if (this.closed) throw new UnavailableError('The server is shutting down.');
      const r = first ? this.take(gitDir) : null;
      // queued in the same tick as it is handed out, so nobody can close it in between
      if (r) return r.request(spec, withData);
      await this.waitTurn(deadline, first);
      first = true;
    }
  }

  /** The live reader of `gitDir`, else a new one when there is room (closing the least recently used idle one), else null. */
  private take(gitDir: string): Reader | null {
    const live = this.readers.get(gitDir);
    if (live && !live.dead) {
      this.readers.delete(gitDir); // Map order is use order: the first idle one is the least recently used
      this.readers.set(gitDir, live);
      return live;
    }
    if (this.readers.size >= this.maxReaders) {
      const idle = [...this.readers].find(([, r]) => !r.busy);
      if (!idle) return null;
      idle[1].close();
      this.readers.delete(idle[0]);
    }
    const r: Reader = new Reader(gitDir, () => {
      if (this.readers.get(gitDir) === r) this.readers.delete(gitDir);
      this.wakeWaiters();
    }, {}, () => this.wakeWaiters());
    this.readers.set(gitDir, r);
    return r;
  }

  /** Resolves when a reader may have become free, at the front of the line when `front`; throws BusyError after the deadline. */
  private waitTurn(deadline: number, front: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const w = {
        wake: () => { clearTimeout(timer); resolve(); },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new BusyError(5, `Every one of the ${this.maxReaders} git readers stayed busy for ${Math.round(this.maxWaitMs / 1000)} s; try again shortly.`));
      }, Math.max(0, deadline - Date.now()));
      if (front) this.waiting.unshift(w); else this.waiting.push(w);
    });
  }

  /**
   * Lets as many waiters try as there are readers free or idle. Deferred to the next turn of the
   * event loop: a caller whose request was just answered usually sends its next one right away, and
   * its reader should not be closed under it.
   */
  private wakeWaiters(): void {
    if (this.wakeScheduled || this.waiting.length === 0) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      let free = this.maxReaders - this.readers.size;
      for (const r of this.readers.values()) if (!r.busy) free++;
      for (const w of this.waiting.splice(0, Math.max(free, 0))) w.wake();
    });
  }

  private recycle(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [dir, r] of this.readers) if (!r.busy && r.lastUsed < cutoff) { r.close(); this.readers.delete(dir); }
  }
}
