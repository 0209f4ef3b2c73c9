// The catalog's storage, behind one small interface: what an index of templates must do, whatever holds it.
import type { ManifestAuthor } from '../registry/manifest';
import type { VersionMark } from '../registry/versions';
import type { Compat } from '../diff/compat';
import type { TemplateUse } from './template-uses';
import type { AuditEntry } from '../audit/audit-log';

/** The index file's name, in the state directory (derived from git: deleting it loses nothing). */
export const CATALOG_FILE = 'catalog.sqlite';

/** One version as the catalog keeps it. */
export interface CatalogVersion {
  readonly version: string;
  readonly created: string;
  readonly deprecated: boolean;
  readonly yanked: boolean;
}

/** The latest version's Heat interface, as far as search needs it. */
export interface CatalogInterface {
  readonly heatTemplateVersion: string;
  readonly parameters: readonly { readonly name: string; readonly type: string }[];
  /** Every resource type the template uses, sorted, without repeats. */
  readonly resourceTypes: readonly string[];
  readonly outputs: readonly string[];
}

/** A template's entry: everything derived from git that a listing or a search shows or filters on. */
export interface CatalogEntry {
  readonly namespace: string;
  readonly name: string;
  readonly id: string;
  readonly description: string;
  readonly keywords: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly entrypoint: string;
  readonly icon: string | null;
  readonly authors: readonly ManifestAuthor[];
  readonly license: string | null;
  readonly homepage: string | null;
  readonly latestVersion: string | null;
  /** Whether the latest version is deprecated. */
  readonly deprecated: boolean;
  readonly versionCount: number;
  /** Highest first. */
  readonly versions: readonly CatalogVersion[];
  readonly labels: readonly { readonly name: string; readonly commit: string; readonly version: string | null }[];
  readonly created: string;
  readonly updated: string;
  readonly interface: CatalogInterface | null;
}

/** What the indexer stores next to an entry to tell, cheaply, whether the repository changed since. */
export interface CatalogStamp {
  /** The stat stamp of the repository's ref files (see git/refs-stamp.ts); '' forces a re-read. */
  readonly files: string;
  /** A hash of the refs' names and values, and of what else the entry is read from. */
  readonly refs: string;
}

export type CatalogSort = 'relevance' | 'name' | 'updated' | 'created' | 'versions';
export type SortOrder = 'asc' | 'desc';
export type FacetName = 'keywords' | 'namespaces' | 'resource_types' | 'licenses';

/** A full-text term: one word, or a phrase (words in a row); `prefix` when its last word may be the start of one. */
export interface TextTerm {
  readonly words: readonly string[];
  readonly prefix: boolean;
}

/** Full-text terms: all of `include` must match, none of `exclude` may. */
export interface TextQuery {
  readonly include: readonly TextTerm[];
  readonly exclude: readonly TextTerm[];
}

/** A search: filters, order and the page. Every filter narrows; all of them must match. */
export interface CatalogQuery {
  /** The namespaces the caller may read; nothing outside them is ever counted or returned. */
  readonly visible: readonly string[];
  readonly text: TextQuery;
  readonly keywords: readonly string[];
  readonly metadata: readonly { readonly key: string; readonly value: string }[];
  readonly namespace?: string;
  /** The manifest's licence, exactly (an SPDX expression such as `Apache-2.0`). */
  readonly license?: string;
  /** Exact types, or prefixes (given with a trailing `*`, which is not part of the value here). */
  readonly resourceTypes: readonly { readonly type: string; readonly prefix: boolean }[];
  readonly parameters: readonly string[];
  readonly deprecated?: boolean;
  readonly sort: CatalogSort;
  readonly order: SortOrder;
  readonly limit: number;
  /** The position after which the page starts (from a previous page's last item). */
  readonly after?: CatalogPosition;
}

/** Where a page ended: the sort key of its last item and that item's id. */
export interface CatalogPosition {
  readonly key: string | number;
  readonly id: string;
}

export interface CatalogPage {
  readonly items: readonly CatalogEntry[];
  /** The position of the last item when more follow, else null. */
  readonly next: CatalogPosition | null;
  /** How many templates match the filter, over all pages. */
  readonly total: number;
}

export type Facets = Partial<Record<FacetName, readonly { readonly value: string; readonly count: number }[]>>;

/** One version in a template's changelog: who published it, and its Heat changes against the version before it. */
export interface ChangelogEntry {
  readonly version: string;
  readonly tag: string;
  readonly commit: string;
  /** When the version's tag was made. */
  readonly date: string;
  readonly author: string;
  readonly message: string;
  readonly deprecated: VersionMark | null;
  readonly yanked: VersionMark | null;
  /** The version compared with (the highest lower one; prereleases only for a prerelease), null for the first. */
  readonly previous: string | null;
  /** The Heat changes from `previous`, breaking ones first. */
  readonly compat: Compat;
}

/** What the index derives from one version, with the root trees it was computed from: the same trees need no new reading. */
export interface VersionRecord {
  readonly entry: ChangelogEntry;
  /** The other Heater templates this version uses (read from `tree`). */
  readonly uses: readonly TemplateUse[];
  readonly tree: string;
  /** The previous version's tree, '' for the first version. */
  readonly previousTree: string;
}

/** A use of a template, from the side of the template that uses it. */
export interface DependentUse {
  /** The template that uses it, `ns/name`, and its namespace. */
  readonly template: string;
  readonly namespace: string;
  /** The version of that template which does. */
  readonly version: string;
  /** That template's latest version (null without one). */
  readonly latestVersion: string | null;
  /** The place of this use among that version's uses, from 0. */
  readonly seq: number;
  readonly use: TemplateUse;
}

/** An audit log line as the index holds it: the entry, its time, and its place in the log (1, 2, …). */
export interface AuditRecord {
  readonly seq: number;
  readonly entry: AuditEntry & { readonly time: string };
}

/** How far the index has read the audit log: the byte offset after the last whole line, in the file of that identity. */
export interface AuditPosition {
  readonly offset: number;
  /** The file's device, inode and a hash of its first line ('' before the first read): another file means reading again from its start. */
  readonly fileId: string;
}

/** A page of the audit, newest first. Every filter narrows. */
export interface AuditQuery {
  /** The namespaces whose entries the caller may see; null for every entry (a registry admin). */
  readonly namespaces: readonly string[] | null;
  readonly template?: string;
  readonly actor?: string;
  readonly action?: string;
  /** ISO times: since inclusive, until exclusive. */
  readonly since?: string;
  readonly until?: string;
  readonly limit: number;
  /** Only entries older than this seq (the previous page's last). */
  readonly before?: number;
}

/** The writes of one transaction: all of them happen, or none. */
export interface CatalogWriter {
  upsert(entry: CatalogEntry, stamp: CatalogStamp): void;
  /** Keeps the entry and records a new stamp (the refs were found unchanged). */
  restamp(id: string, stamp: CatalogStamp): void;
  remove(id: string): void;
  /** Replaces a template's version records (highest version first). */
  putVersions(id: string, records: readonly VersionRecord[]): void;
  /** Removes every entry. */
  clear(): void;
}

/**
 * The index's storage. SqliteCatalog is the embedded default; another database implements the
 * same methods. Writes are synchronous inside `transaction`, so the caller reads git first and
 * hands over finished entries.
 */
export interface CatalogStore {
  /** Runs `fn`'s writes in one transaction. */
  transaction(fn: (w: CatalogWriter) => void): Promise<void>;
  /**
   * A number that changes with every transaction, this process's or another's (`heater reindex`,
   * `heater fsck --repair`): answers read from the index are kept only while it stays the same.
   * Another process's writes are looked for at most every `withinMs`.
   */
  revision(withinMs: number): number;
  /** The stamp stored for every template, by id. */
  stamps(): Promise<Map<string, CatalogStamp>>;
  /** The stamp stored for one template, if it is indexed. */
  stamp(id: string): Promise<CatalogStamp | undefined>;
  /** A template's version records as last indexed, highest version first (empty when it is not indexed). */
  versionRecords(id: string): Promise<VersionRecord[]>;
  /** Each version's number, commit and tree, highest first, without reading the records' documents (the diff fill asks for every template). */
  versionTrees(id: string): Promise<{ version: string; commit: string; tree: string }[]>;
  /** Every use of template `id` by any version of any template (its own included), by template id, then highest version first. */
  dependents(id: string): Promise<DependentUse[]>;
  /** How far the audit log has been read into the index. */
  auditPosition(): Promise<AuditPosition>;
  /** Adds audit lines read from the log and moves the position past them, in one transaction; `restart` drops what was there first. */
  appendAudit(entries: readonly AuditRecord['entry'][], position: AuditPosition, restart: boolean): Promise<void>;
  /** One page of the audit entries that match, newest first; `more` when older ones follow. */
  audit(q: AuditQuery): Promise<{ items: AuditRecord[]; more: boolean }>;
  /** One page of the templates that match. */
  search(q: CatalogQuery): Promise<CatalogPage>;
  /** Counts per value of each facet, over the templates that match `q` (its page ignored). */
  facets(q: CatalogQuery, names: readonly FacetName[]): Promise<Facets>;
  /** Every namespace that holds templates, with how many, sorted by name. */
  namespaces(): Promise<{ namespace: string; templates: number }[]>;
  /** The current relevance of `id` for `text`, or undefined when it no longer matches (for cursors). */
  relevance(text: TextQuery, id: string): Promise<number | undefined>;
  close(): void;
}
