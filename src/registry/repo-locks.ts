// One writer at a time per repo: ref checks and ref updates of pushes and publishes are serialised.
import { UnavailableError } from '../errors/limit-error';

/** An async mutex per key (a repo's git dir); waiters are served in arrival order. */
export class RepoLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Resolves with a release function once `key` is free; call it exactly once. Throws
   * UnavailableError after `timeoutMs` of waiting (the turn is then passed on untouched).
   */
  async acquire(key: string, timeoutMs = 60_000): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([prev, new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new UnavailableError('Another write to this template has held it for too long; try again shortly.')), timeoutMs);
      })]);
    } catch (e) {
      void prev.then(done); // when our turn comes, hand it straight on
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return done;
  }
}
