// Authenticator: who presented credentials are. A credential that is presented must be valid; failing ones are slowed and then refused per address, valid ones never.
import { ANONYMOUS, type Principal, type TokenPrincipal } from './principal';
import type { AdminToken } from './admin-token';
import type { TokenStore } from './token-store';
import type { ReadLinks } from './read-links';
import type { FailureCounter } from './failure-counter';
import { UNLIMITED, type HashBudget } from './hash-budget';
import { presentedCredential } from './credentials';
import type { Protocol } from './policy';
import { UnauthenticatedError } from '../errors/auth-error';
import { RateLimitedError } from '../errors/limit-error';
import { InvalidInputError } from '../errors/invalid-input-error';

/**
 * Verifies credentials. An address that has failed too often (a brute force, or one broken client
 * behind the same NAT as everyone else) does not lock anyone out: each credential is still checked,
 * valid ones pass, and only the failing ones are refused with 429. While it is over its limit, its
 * checks are made cheap or slow: a token verified before passes at once, a token id that does not
 * exist costs no scrypt, and the scrypts it does cost run one at a time per address.
 */
export class Authenticator {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly admin: AdminToken, readonly store: TokenStore, readonly links: ReadLinks, private readonly failures: FailureCounter, private readonly now: () => number = Date.now) {}

  /**
   * The principal of a request's credentials: a read link, an Authorization header, or neither
   * (anonymous). Throws ForbiddenError (`invalid-link`) for a link that is altered, expired or
   * revoked (a link is checked by its HMAC, which costs nothing to guess against, so it is not
   * counted); UnauthenticatedError (`invalid-token`, with the protocol's challenge) for a token that
   * is malformed, unknown, revoked or expired; RateLimitedError for one from an address over its
   * limit; InvalidInputError for a link and a header at once.
   */
  async authenticate(authorization: string | undefined, link: string | undefined, address: string, protocol: Protocol): Promise<Principal> {
    if (link !== undefined) {
      if (authorization !== undefined) throw new InvalidInputError('authorization', 'A read link is a credential of its own: send it without an Authorization header.');
      return this.links.verify(link);
    }
    const presented = presentedCredential(authorization);
    if (presented.kind === 'none') return ANONYMOUS;
    const blocked = this.failures.blockedFor(address, this.now()) > 0;
    let refusal = presented.kind === 'malformed' ? presented.why : 'The token is not valid: it is unknown, revoked or mistyped.';
    if (presented.kind === 'token') {
      const budget = blocked ? this.queued(address) : UNLIMITED;
      const verdict = await this.verify(presented.token, budget);
      if (verdict !== null && 'kind' in verdict) return verdict;
      if (verdict !== null) refusal = verdict.refusal;
    }
    this.failures.record(address, this.now());
    const wait = this.failures.blockedFor(address, this.now());
    if (blocked && wait > 0) throw new RateLimitedError(wait, `Too many failed authentications from ${address}; until the minute is over each failing one is refused. Try again in ${wait} s.`);
    throw new UnauthenticatedError(protocol === 'git' ? 'Basic' : 'Bearer', refusal, true);
  }

  private async verify(token: string, budget: HashBudget): Promise<TokenPrincipal | { readonly refusal: string } | null> {
    return (await this.store.verify(token, budget)) ?? this.admin.verify(token, budget);
  }

  /** A budget for an address over its limit: no decoy hashes, and real ones one at a time for that address. */
  private queued(address: string): HashBudget {
    return {
      real: <T>(work: () => Promise<T>): Promise<T> => {
        const before = this.queues.get(address) ?? Promise.resolve();
        const run = before.then(work, work);
        const settled = run.catch(() => undefined);
        this.queues.set(address, settled);
        void settled.then(() => { if (this.queues.get(address) === settled) this.queues.delete(address); });
        return run;
      },
      decoy: async () => { /* the answer is a refusal either way, and timing tells nothing the refusal does not */ },
    };
  }
}
