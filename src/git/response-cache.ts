// Whole upload-pack answers on disk, for requests identical to one already answered at the same refs: served without git.
import { closeSync, existsSync, fstatSync, openSync, read, readSync, statSync, promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Writable, Readable } from 'node:stream';
import { filesStamp } from './refs-stamp';

/** git started for an answer to be kept: its stdout goes to `stdout` (an open file). */
export type RunToFile = (stdout: number) => { readonly child: ChildProcess; readonly stdin: Writable; readonly stderr: Readable };

export interface AnswerOptions {
  /** Starts git for a miss; may throw (BusyError at the limit of git processes), then nothing was kept. */
  readonly run: RunToFile;
  /** Sends the status and headers, just before the first byte of the body. */
  readonly start: () => void;
  readonly log: { readonly info: (msg: string) => void };
  /** git that makes an answer and writes nothing for this long is stopped (as a streamed one is). */
  readonly idleMs: number;
}

// a "have <oid>" pkt-line (pack-protocol.txt, protocol-v2.txt): length, then the line
const HAVE = /[0-9a-f]{4}have [0-9a-f]{40}/;

/**
 * True when an upload-pack request (inflated) may share a kept answer: it says nothing of what the
 * client has, as a clone's does; a fetch's answer is that client's alone (the hook still shares its pack).
 */
export function mayKeep(body: Buffer): boolean {
  // the pattern runs only where "have " is: on the 15 KB request of a clone wanting 300 refs it costs
  // 390 us (V8 tries [0-9a-f]{4} at every hex digit of the want lines), Buffer.includes 1.4 us
  return !(body.includes('have ') && HAVE.test(body.toString('latin1')));
}
// Read in large pieces: a clone's answer is megabytes, and each piece costs the event loop a turn.
const READ_CHUNK = 1 << 20;

/**
 * The pack cache's second half. Every clone of one version at one moment sends the same request
 * body; upload-pack's answer to it (ref list, shallow info, the pack in side-band, progress)
 * depends only on that body, the protocol asked, git and the repository's refs and config, so it
 * is kept in `<pack-cache>/responses/<key>` and sent to the next identical request from the file:
 * no upload-pack, no hook, no copy through a pipe. The key holds a stamp of the ref files
 * (refs-stamp.ts: packed-refs, HEAD, config, every folder under refs/), so after any ref change a
 * request is a miss and upload-pack checks again what it may send; while the refs changed in the
 * last few milliseconds nothing is cached. Identical requests arriving while the answer is being
 * made wait for it (git writes it to a file, never held back by a slow client) and are then sent
 * the file; a failed answer is never kept (its client is answered by git streamed, as without the
 * cache). PackCache sweeps the folder with the packs.
 */
export class ResponseCache {
  private readonly making = new Map<string, Promise<void>>();
  hits = 0;
  misses = 0;
  /** Keys answered from disk since the last sweep: the sweep marks them used (LRU). */
  readonly used = new Set<string>();

  constructor(readonly dir: string, private readonly salt: string) {}

  /**
   * The key of an upload-pack request for `gitDir` from its body as sent (`gzip`: compressed, as git
   * sends a request over 1 KiB; identical clients send identical bytes), or null when the refs
   * changed just now. Whether an answer to it may be kept is for `mayKeep` to say, on the inflated
   * body; a key that `has` an answer was said so when that answer was made.
   */
  keyOf(gitDir: string, protocol: string, sent: Buffer, gzip: boolean): string | null {
    const refs = filesStamp(gitDir);
    if (refs === '') return null;
    return createHash('sha256').update(`${this.salt}\0${gitDir}\0${refs}\0${protocol}\0${gzip ? 'gzip' : ''}\0`).update(sent).digest('hex');
  }

  /**
   * True when an answer under `key` is kept or being made: its request was found to say no haves,
   * so the same bytes need neither inflating nor looking at again (a clone's 7 KB gzip request of
   * 300 wants took 180 us to inflate).
   */
  has(key: string): boolean {
    return this.making.has(key) || existsSync(path.join(this.dir, key));
  }

  /**
   * Answers `res` for `key`: from the file, after waiting for one being made, or by running git and
   * keeping its answer; true when answered (or the client went away meanwhile). False, with nothing
   * sent, when git failed or the answer could not be written (a full disk): the caller then streams
   * git's answer as it would without the cache, so a failure is told by git and a full disk still
   * serves clones. Throws what `run` throws, before anything is sent.
   */
  async answer(key: string, res: ServerResponse, opts: AnswerOptions): Promise<boolean> {
    for (;;) {
      const fd = this.openEntry(key);
      if (fd !== null) { this.hits++; this.used.add(key); opts.start(); send(fd, res, opts.log); return true; }
      const pending = this.making.get(key);
      if (!pending) break;
      await pending; // made (then a hit), or failed (then this one tries)
      if (res.destroyed) return true;
    }
    this.misses++;
    let done = () => { /* set below */ };
    this.making.set(key, new Promise<void>((resolve) => { done = resolve; }));
    try {
      if (!(await this.make(key, opts))) return false;
    } finally {
      this.making.delete(key);
      done();
    }
    const fd = this.openEntry(key);
    if (fd === null) return false; // evicted at once: a bound smaller than this answer
    if (res.destroyed) { closeSync(fd); return true; }
    opts.start();
    send(fd, res, opts.log);
    return true;
  }

  private openEntry(key: string): number | null {
    try { return openSync(path.join(this.dir, key), 'r'); } catch { return null; }
  }

  /** Runs git with its stdout in a temporary file, renamed into place when git exited 0; true when it was. */
  private async make(key: string, opts: AnswerOptions): Promise<boolean> {
    const tmp = path.join(this.dir, '..', 'tmp', `${key}.${randomBytes(4).toString('hex')}.answer`);
    let out: number;
    try { out = openSync(tmp, 'w'); } catch { return false; }
    let git;
    try {
      git = opts.run(out);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    } finally {
      closeSync(out); // git holds its own copy
    }
    git.stderr.resume();
    const child = git.child;
    // as smart-http.ts stops a git that moves no data: here, one whose file stops growing
    let size = -1;
    const idle = setInterval(() => {
      const now = statSync(tmp, { throwIfNoEntry: false })?.size ?? -1;
      if (now === size) child.kill('SIGTERM');
      size = now;
    }, opts.idleMs);
    const code = await new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', (c) => resolve(c));
    });
    clearInterval(idle);
    if (code !== 0) { await fs.rm(tmp, { force: true }); return false; }
    await fs.rename(tmp, path.join(this.dir, key));
    return true;
  }
}

// Buffers of READ_CHUNK bytes kept for the next answer: a fresh megabyte per piece made the garbage
// collector the largest cost of a clone storm (a third of the server's CPU, measured with --cpu-prof).
const spare: Buffer[] = [];
const MAX_SPARE = 32;

// An answer this small (an ls-refs of hundreds of tags is 34 KB, a shallow clone's pack a few) is read
// at once from the page cache and ended in one write: the piece-by-piece loop's read through the
// thread pool and its write callback cost such an answer more than the bytes.
const SMALL_ANSWER = 64 * 1024;

/** Sends the open file `fd` of `size` bytes (at most SMALL_ANSWER) in one write, and closes it. */
function sendSmall(fd: number, size: number, res: ServerResponse): void {
  const buf = Buffer.allocUnsafe(size);
  let n = 0;
  try {
    while (n < size) {
      const got = readSync(fd, buf, n, size - n, n);
      if (got === 0) break;
      n += got;
    }
  } catch { n = -1; } finally {
    closeSync(fd);
  }
  if (n !== size) { res.destroy(); return; } // shorter than it stat'ed: never a truncated answer with a whole Content-Length
  res.end(buf);
}

/** Sends the open file `fd` to `res` and ends it, a piece at a time through one reused buffer; closes the file when done or when the client goes away. */
function send(fd: number, res: ServerResponse, log: { readonly info: (msg: string) => void }): void {
  const size = fstatSync(fd).size;
  res.setHeader('Content-Length', size); // the whole answer is known: no chunked framing
  if (size <= SMALL_ANSWER) { sendSmall(fd, size, res); return; }
  const buf = spare.pop() ?? Buffer.allocUnsafe(READ_CHUNK);
  let pos = 0;
  let writing = false;
  let done = false;
  const finish = (ok: boolean, reuse = true) => {
    if (done) return;
    done = true;
    closeSync(fd);
    if (reuse && spare.length < MAX_SPARE) spare.push(buf);
    if (ok) { res.end(); return; }
    // a client that hangs up mid-clone is ordinary (as in smart-http.ts), and costs no git here
    if (res.destroyed) log.info(`the client went away during git-upload-pack after ${pos} of ${size} bytes of a kept answer`);
    res.destroy();
  };
  // a write pending when the client goes away may never call back, and may still hold the buffer
  res.once('close', () => { if (writing) finish(false, false); });
  const next = () => {
    if (res.destroyed) { finish(false); return; }
    if (pos >= size) { finish(true); return; }
    read(fd, buf, 0, Math.min(buf.length, size - pos), pos, (err, n) => {
      if (done) return;
      if (err || n === 0 || res.destroyed) { finish(false); return; }
      pos += n;
      writing = true;
      // the buffer is read into again only once the socket has taken this piece
      res.write(buf.subarray(0, n), (e) => {
        writing = false;
        if (done) return;
        if (e) finish(false); else next();
      });
    });
  };
  next();
}
