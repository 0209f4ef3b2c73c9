// HashBudget: how a credential check may spend its scrypt (~50 ms of CPU each), chosen per request by the Authenticator.

/** Runs the hashes of one credential check. */
export interface HashBudget {
  /** A hash that decides whether a credential that may be valid is: always run, perhaps after others. */
  real<T>(work: () => Promise<T>): Promise<T>;
  /** A hash spent only so that a credential that cannot be valid takes as long as one that is; may be skipped. */
  decoy(work: () => Promise<unknown>): Promise<void>;
}

/** Runs every hash at once. */
export const UNLIMITED: HashBudget = {
  real: (work) => work(),
  decoy: async (work) => { await work(); },
};
