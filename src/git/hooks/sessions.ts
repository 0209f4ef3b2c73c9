// Push sessions: what the server knows about each running receive-pack, found by the hook's secret.
import { randomBytes, createHash } from 'node:crypto';
import type { RefChange } from '../../audit/audit-log';

export interface PushSession<T> {
  /** Given to the hook in HEATER_HOOK_TOKEN; valid only while this receive-pack runs. */
  readonly token: string;
  readonly context: T;
  /** Run when receive-pack exits (releases the repo lock the hook took, announces the push). */
  onEnd: (() => void | Promise<void>)[];
  /** True once receive-pack has exited: a hook call still waiting must not take the lock. */
  ended: boolean;
  /** What the push asked to update, and whether the refs became that; set when it is announced. */
  updated?: { readonly refs: readonly RefChange[]; readonly ok: boolean };
}

/** Live pushes, keyed by the digest of their one-time hook secret. */
export class PushSessions<T> {
  private readonly live = new Map<string, PushSession<T>>();

  /** Registers a push and returns its session; call end() when receive-pack exits. */
  start(context: T): PushSession<T> {
    const token = randomBytes(32).toString('base64url');
    const session: PushSession<T> = { token, context, onEnd: [], ended: false };
    this.live.set(digest(token), session);
    return session;
  }

  /** The session a hook secret belongs to, or undefined. */
  find(token: string): PushSession<T> | undefined {
    return this.live.get(digest(token));
  }

  /** True when a live push matches `test`. */
  some(test: (context: T) => boolean): boolean {
    for (const s of this.live.values()) if (test(s.context)) return true;
    return false;
  }

  /** Ends a push: forgets its secret and runs its end callbacks; resolves when they are all done. */
  async end(session: PushSession<T>): Promise<void> {
    this.live.delete(digest(session.token));
    session.ended = true;
    await Promise.all(session.onEnd.splice(0).map(async (f) => f()));
  }
}

const digest = (t: string) => createHash('sha256').update(t).digest('hex');
