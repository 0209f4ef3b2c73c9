// receive-pack started while the pusher's git computes its pack: at the push's advertisement, for the POST that follows on the same connection.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';

/** A receive-pack started ahead of its request, its push session, and how to give both back unused. */
export interface Prestart<S> {
  readonly git: ChildProcessWithoutNullStreams;
  readonly session: S;
  /** Run once an unused receive-pack has exited (the caller ends its session, gives its git slot back). */
  readonly discard: () => void;
}

interface Waiting<S> {
  /** What the POST must match to take it: template, pusher, address, Git-Protocol. */
  readonly key: string;
  /** The receive-pack once started; undefined when it was not (no free slot, the repo gone). */
  readonly ready: Promise<Prestart<S> | undefined>;
  readonly timer: NodeJS.Timeout;
  readonly onClose: () => void;
}

/**
 * A `git push` over HTTP asks for the receive-pack advertisement, computes its pack (milliseconds
 * for a commit and a tag, far longer for a large push), then POSTs it on the same keep-alive
 * connection. Starting receive-pack costs this process 3-4 ms of event loop (Node forks itself,
 * and the fork copies the page tables of a 100+ MB server) and git its own start-up: begun as the
 * advertisement is sent, both overlap the client's work instead of adding to the push.
 *
 * At most one per connection, offered as the advertisement is sent (`offer`, with the promise of
 * its start). The POST on that connection takes it (`take`, waiting for the start if need be) when
 * it was started for the same push; otherwise, and when the connection closes, `waitMs` passes or
 * git exits, it is ended: its input is closed, so it exits having read no command and changed
 * nothing, and then its `discard` runs.
 */
export class ReceivePrestarts<S> {
  private readonly waiting = new WeakMap<Socket, Waiting<S>>();
  /** Taken by their POST, and ended unused, since the start (for /metrics). */
  taken = 0;
  unused = 0;

  constructor(private readonly waitMs: number) {}

  /** Keeps the receive-pack `ready` will give for the next POST on `socket` (one offered there before is ended). `ready` must not reject. */
  offer(socket: Socket, key: string, ready: Promise<Prestart<S> | undefined>): void {
    this.drop(socket);
    const onClose = () => { this.drop(socket); };
    const timer = setTimeout(onClose, this.waitMs);
    timer.unref();
    const w: Waiting<S> = { key, ready, timer, onClose };
    this.waiting.set(socket, w);
    socket.once('close', onClose);
    if (socket.destroyed) { this.drop(socket); return; }
    // one that exits by itself (or fails) while it waits is dropped
    void ready.then((p) => {
      const gone = () => { if (this.waiting.get(socket) === w) this.drop(socket); };
      p?.git.once('exit', gone);
      p?.git.once('error', gone);
    });
  }

  /** Ends the receive-pack offered on `socket`, if any (a new advertisement there, a POST that will not take it). */
  withdraw(socket: Socket): void {
    this.drop(socket);
  }

  /** The receive-pack offered on `socket`, once started, when it was for `key` and still runs: the caller's from then on. */
  async take(socket: Socket, key: string): Promise<Prestart<S> | undefined> {
    const w = this.waiting.get(socket);
    if (!w) return undefined;
    // started for another push: ended, never waited for
    if (w.key !== key) { this.drop(socket); return undefined; }
    this.forget(socket, w);
    const p = await w.ready;
    if (!p) return undefined;
    if (p.git.exitCode === null && p.git.signalCode === null) {
      this.taken++;
      return p;
    }
    this.end(p);
    return undefined;
  }

  private drop(socket: Socket): void {
    const w = this.waiting.get(socket);
    if (!w) return;
    this.forget(socket, w);
    void w.ready.then((p) => { if (p) this.end(p); });
  }

  private forget(socket: Socket, w: Waiting<S>): void {
    this.waiting.delete(socket);
    clearTimeout(w.timer);
    socket.off('close', w.onClose);
  }

  /** Closes an unused receive-pack's input (it reads no command and exits), then discards it once it has exited. */
  private end({ git, discard }: Prestart<S>): void {
    this.unused++;
    if (git.exitCode !== null || git.signalCode !== null) discard();
    else git.once('exit', discard);
    git.stdin.on('error', () => { /* it may be gone already */ });
    git.stdin.end();
    git.stdout.resume();
    git.stderr.resume();
  }
}
