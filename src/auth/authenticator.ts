// Authenticator: checks presented tokens (the store's, then the admin token), and slows down addresses that keep presenting wrong ones.
import type { AdminToken, Principal } from './admin-token';
import type { TokenStore } from './token-store';
import { RateLimitedError } from '../errors/limit-error';

const WINDOW_MS = 60_000;

/** Verifies tokens; after `maxFailures` wrong ones from one address within a minute, that address gets 429 until the minute is over. */
export class Authenticator {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(private readonly admin: AdminToken, readonly store: TokenStore, private readonly maxFailures: number) {}

  /** The principal for `token`, or null when it is wrong; throws RateLimitedError for an address that is blocked. */
  async verify(token: string, address: string): Promise<Principal | null> {
    const now = Date.now();
    const f = this.failures.get(address);
    if (f && now - f.since < WINDOW_MS && f.count >= this.maxFailures) {
      throw new RateLimitedError(Math.ceil((f.since + WINDOW_MS - now) / 1000), `Too many wrong tokens from ${address}; try again in a minute.`);
    }
    const who = (await this.store.verify(token)) ?? (await this.admin.verify(token));
    if (who) return who;
    if (!f || now - f.since >= WINDOW_MS) this.failures.set(address, { count: 1, since: now });
    else f.count++;
    if (this.failures.size > 100_000) this.prune(now);
    return null;
  }

  private prune(now: number): void {
    for (const [a, f] of this.failures) if (now - f.since >= WINDOW_MS) this.failures.delete(a);
  }
}
