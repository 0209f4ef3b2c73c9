// The index as its readers see it: each read waits for the reindexes of writes already announced.
import type { AuditPosition, AuditQuery, AuditRecord, CatalogPage, CatalogQuery, CatalogStamp, CatalogStore, CatalogWriter, DependentUse, Facets, FacetName, TextQuery, VersionRecord } from './catalog-store';

/** What the barrier waits on (Indexer). */
export interface Reindexing {
  /** Resolves once the reindexes under way (of `id`, or of all) have ended; null when none is. */
  settled(id?: string): Promise<void> | null;
  /** How many reindexes are under way. */
  readonly pending: number;
}

/**
 * A write answers before its reindex has run (Indexer.onWrite), so reads of the index wait here for
 * the reindexes under way when they start: a client that pushes and then searches, lists or reads a
 * changelog finds its push. Reads about one template wait for that template's reindex only; searches,
 * facets and uses wait for all of them. While any reindex is under way, revision() is NaN, which
 * equals nothing: an answer kept in memory from the index (CachedReads) is neither sent nor kept
 * until the index has caught up. Writes, the audit table and close() pass straight through.
 */
export class ReadBarrierCatalog implements CatalogStore {
  constructor(private readonly inner: CatalogStore, private readonly reindexing: Reindexing) {}

  private async after<T>(read: () => Promise<T>, id?: string): Promise<T> {
    const wait = this.reindexing.settled(id);
    if (wait) await wait;
    return read();
  }

  transaction(fn: (w: CatalogWriter) => void): Promise<void> { return this.inner.transaction(fn); }
  revision(withinMs: number): number { return this.reindexing.pending > 0 ? Number.NaN : this.inner.revision(withinMs); }
  stamps(): Promise<Map<string, CatalogStamp>> { return this.after(() => this.inner.stamps()); }
  stamp(id: string): Promise<CatalogStamp | undefined> { return this.after(() => this.inner.stamp(id), id); }
  versionRecords(id: string): Promise<VersionRecord[]> { return this.after(() => this.inner.versionRecords(id), id); }
  versionTrees(id: string): Promise<{ version: string; commit: string; tree: string }[]> { return this.after(() => this.inner.versionTrees(id), id); }
  dependents(id: string): Promise<DependentUse[]> { return this.after(() => this.inner.dependents(id)); }
  auditPosition(): Promise<AuditPosition> { return this.inner.auditPosition(); }
  appendAudit(entries: readonly AuditRecord['entry'][], position: AuditPosition, restart: boolean): Promise<void> { return this.inner.appendAudit(entries, position, restart); }
  audit(q: AuditQuery): Promise<{ items: AuditRecord[]; more: boolean }> { return this.inner.audit(q); }
  search(q: CatalogQuery): Promise<CatalogPage> { return this.after(() => this.inner.search(q)); }
  facets(q: CatalogQuery, names: readonly FacetName[]): Promise<Facets> { return this.after(() => this.inner.facets(q, names)); }
  namespaces(): Promise<{ namespace: string; templates: number }[]> { return this.after(() => this.inner.namespaces()); }
  relevance(text: TextQuery, id: string): Promise<number | undefined> { return this.after(() => this.inner.relevance(text, id)); }
  close(): void { this.inner.close(); }
}
