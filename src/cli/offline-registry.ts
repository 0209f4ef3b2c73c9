// The registry of a data directory for the operator commands (no server): its store, a registry over it, its git readers.
import type { Config } from '../config/config';
import { RepoStore } from '../git/store';
import { RefCache } from '../git/refs';
import { CatFilePool } from '../git/catfile-pool';
import { ObjectReader } from '../git/objects';
import { NamespaceSettingsStore } from '../registry/namespace-settings';
import { Registry } from '../registry/registry';

/** A registry over one data directory; `close()` stops its git readers. */
export interface OfflineRegistry {
  readonly store: RepoStore;
  readonly registry: Registry;
  close(): void;
}

/** Builds the registry the server would build over `root` (a real path) with `config`'s limits. */
export function openOfflineRegistry(root: string, config: Config): OfflineRegistry {
  const store = new RepoStore(root);
  const pool = new CatFilePool(config.maxReaders);
  const settings = new NamespaceSettingsStore(store.stateDir, { semver: config.semver, anonymousRead: config.anonymousRead });
  const registry = new Registry(store, new RefCache(), new ObjectReader(pool, config.cacheBytes), pool, settings, { maxFileBytes: config.maxFileBytes });
  return { store, registry, close: () => pool.close() };
}
