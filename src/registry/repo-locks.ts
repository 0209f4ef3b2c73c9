// One writer at a time per repo: ref checks and ref updates of pushes and publishes are serialised.

/** An async mutex per key (a repo's git dir); waiters are served in arrival order. */
export class RepoLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with a release function once `key` is free; call it exactly once. */
  async acquire(key: string): Promise<() => void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
