// The failed-authentication counter: failures per client address within a window, behind an interface (one process today, shared state later).

/** Counts failed authentications per client address. */
export interface FailureCounter {
  /** Seconds until `address` is under its limit again; 0 when it is under it now. */
  blockedFor(address: string, now: number): number;
  /** Records one failure of `address`. */
  record(address: string, now: number): void;
}

/** In memory: `max` failures per address within `windowMs`, the window starting at the first failure. */
export class MemoryFailureCounter implements FailureCounter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly max: number, private readonly windowMs = 60_000) {}

  blockedFor(address: string, now: number): number {
    const f = this.failures.get(address);
    if (!f || now - f.since >= this.windowMs || f.count < this.max) return 0;
    return Math.max(1, Math.ceil((f.since + this.windowMs - now) / 1000));
  }

  record(address: string, now: number): void {
    const f = this.failures.get(address);
    if (!f || now - f.since >= this.windowMs) this.failures.set(address, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > 100_000) {
      for (const [a, g] of this.failures) if (now - g.since >= this.windowMs) this.failures.delete(a);
    }
  }
}
