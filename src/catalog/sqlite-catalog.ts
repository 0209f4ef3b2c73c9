// The embedded catalog store: one SQLite file (WAL) with an FTS5 table over names, descriptions and keywords.
import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import type {
  AuditPosition, AuditQuery, AuditRecord, CatalogEntry, CatalogPage, DependentUse, VersionRecord, CatalogQuery, CatalogStamp, CatalogStore, CatalogWriter, FacetName, Facets, TextQuery, TextTerm,
} from './catalog-store';
import type { TemplateUse } from './template-uses';
import { VersionTable } from './version-table';

/** Bumped whenever the schema or what an entry holds changes: a file of another version is rebuilt from git. */
export const SCHEMA_VERSION = 3;

// bm25 weights of the FTS columns (name, description, keywords): a hit in the name counts most.
const WEIGHTS = '10.0, 1.0, 5.0';
const SCORE = `-bm25(fts, ${WEIGHTS})`;
// Facet lists are for a sidebar: the most frequent values, not all of them.
const MAX_FACET_VALUES = 50;
// Prepared statements kept (see SqliteCatalog.sql).
const MAX_STATEMENTS = 256;

const SCHEMA = `
CREATE TABLE templates (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  namespace TEXT NOT NULL,
  license TEXT,
  deprecated INTEGER NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL,
  version_count INTEGER NOT NULL,
  files_stamp TEXT NOT NULL,
  refs_hash TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX templates_namespace ON templates(namespace, id);
CREATE INDEX templates_updated ON templates(updated, id);
CREATE INDEX templates_created ON templates(created, id);
CREATE INDEX templates_versions ON templates(version_count, id);
CREATE TABLE keywords (keyword TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (keyword, rid)) WITHOUT ROWID;
CREATE INDEX keywords_rid ON keywords(rid);
CREATE TABLE metadata (key TEXT NOT NULL, value TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (key, value, rid)) WITHOUT ROWID;
CREATE INDEX metadata_rid ON metadata(rid);
CREATE TABLE resource_types (type TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (type, rid)) WITHOUT ROWID;
CREATE INDEX resource_types_rid ON resource_types(rid);
CREATE TABLE parameters (name TEXT NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (name, rid)) WITHOUT ROWID;
CREATE INDEX parameters_rid ON parameters(rid);
CREATE TABLE versions (
  template_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  version TEXT NOT NULL,
  tree TEXT NOT NULL,
  previous_tree TEXT NOT NULL,
  doc TEXT NOT NULL,
  uses TEXT NOT NULL,
  PRIMARY KEY (template_id, version)
) WITHOUT ROWID;
CREATE TABLE uses (target_id TEXT NOT NULL, template_id TEXT NOT NULL, position INTEGER NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (target_id, template_id, position, seq)) WITHOUT ROWID;
CREATE INDEX uses_template ON uses(template_id);
CREATE TABLE audit (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, template TEXT, namespace TEXT, doc TEXT NOT NULL);
CREATE INDEX audit_namespace ON audit(namespace, seq);
CREATE INDEX audit_template ON audit(template, seq);
CREATE INDEX audit_actor ON audit(actor, seq);
CREATE INDEX audit_time ON audit(time, seq);
CREATE TABLE audit_position (one INTEGER PRIMARY KEY CHECK (one = 1), offset INTEGER NOT NULL, file_id TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(name, description, keywords, tokenize = 'porter unicode61');
`;

const CHILDREN = ['keywords', 'metadata', 'resource_types', 'parameters'] as const;

/** The FTS5 query of one term: every word quoted (they hold only letters and digits), a bare last word also as a prefix. */
function ftsTerm(t: TextTerm): string {
  const phrase = `"${t.words.join(' ')}"`;
  return t.prefix ? `(${phrase} OR ${phrase}*)` : phrase;
}

const ftsAll = (terms: readonly TextTerm[]) => terms.map(ftsTerm).join(' AND ');
const ftsAny = (terms: readonly TextTerm[]) => terms.map(ftsTerm).join(' OR ');

/** GLOB's own characters in a literal prefix, each in a bracket expression. */
const globLiteral = (s: string) => s.replace(/[*?[]/g, (c) => `[${c}]`);

type Row = { rid: number; id: string; doc: string; key: string | number };

interface Built {
  readonly from: string;
  readonly where: string[];
  readonly params: unknown[];
  readonly ranked: boolean;
}

/** SqliteCatalog opens (or makes) the file; `rebuilt` says whether it had to start from nothing. */
export class SqliteCatalog implements CatalogStore {
  private readonly versions: VersionTable;

  private constructor(private readonly db: Database.Database, readonly rebuilt: string | null) {
    this.versions = new VersionTable(db, (text) => this.sql(text));
  }

  // Prepared statements by their text, so a repeated query or write is not compiled again; the
  // texts vary only with a query's shape (which filters, how many), so a small bound holds them.
  private readonly statements = new Map<string, Database.Statement>();

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (st) {
      this.statements.delete(text); // most recently used last
    } else {
      st = this.db.prepare(text);
      if (this.statements.size >= MAX_STATEMENTS) this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(text, st);
    return st;
  }

  /**
   * Opens the index at `file`. A file that is not a readable SQLite database, or of another
   * schema version, is removed and made anew (with `rebuilt` saying why): the index holds
   * nothing git does not.
   */
  static open(file: string): SqliteCatalog {
    let why: string | null = null;
    try {
      const db = new Database(file);
      try {
        db.pragma('journal_mode = WAL');
        const version = db.pragma('user_version', { simple: true }) as number;
        const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'templates'").get() as { n: number };
        if (tables.n === 0) return SqliteCatalog.init(db, null);
        if (version === SCHEMA_VERSION && (db.pragma('quick_check', { simple: true }) as string) === 'ok') return SqliteCatalog.ready(db, null);
        why = version === SCHEMA_VERSION ? 'it failed its integrity check' : `its schema version is ${version}, this server's is ${SCHEMA_VERSION}`;
      } catch (e) {
        why = `it could not be read (${(e as Error).message})`;
      }
      db.close();
    } catch (e) {
      why = `it could not be opened (${(e as Error).message})`;
    }
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
    return SqliteCatalog.init(new Database(file), why);
  }

  /**
   * Opens an index that exists, as it is: never removed or rebuilt (a running server may have it
   * open). Returns why it cannot be used instead (absent, unreadable, another schema version).
   */
  static openExisting(file: string): SqliteCatalog | string {
    if (!existsSync(file)) return 'there is no index file (a server builds it at its next start)';
    let db: Database.Database;
    try { db = new Database(file, { fileMustExist: true }); } catch (e) { return `it could not be opened (${(e as Error).message})`; }
    try {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) throw new Error(`its schema version is ${version}, this Heater's is ${SCHEMA_VERSION}`);
      if ((db.pragma('quick_check', { simple: true }) as string) !== 'ok') throw new Error('it failed its integrity check');
      return SqliteCatalog.ready(db, null);
    } catch (e) {
      db.close();
      return (e as Error).message;
    }
  }

  private static init(db: Database.Database, why: string | null): SqliteCatalog {
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
    return SqliteCatalog.ready(db, why);
  }

  private static ready(db: Database.Database, why: string | null): SqliteCatalog {
    // WAL with NORMAL: a crash may lose the last transactions, never corrupt the file; the next start heals what was lost.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    return new SqliteCatalog(db, why);
  }

  async transaction(fn: (w: CatalogWriter) => void): Promise<void> {
    try {
      this.db.transaction(() => fn(this.writer))();
    } catch (e) {
      this.versions.forget(); // rolled back: what it kept of this transaction's rows is not in the file
      throw e;
    } finally {
      this.namespaceCounts = null;
      this.changes++;
    }
  }

  private changes = 0;
  private dataVersion = -1;
  private dataVersionAt = -Infinity;

  revision(withinMs: number): number {
    const now = performance.now();
    if (now - this.dataVersionAt >= withinMs) {
      // SQLite's own counter of commits by other connections (https://sqlite.org/pragma.html#pragma_data_version)
      const v = Number(this.sql('PRAGMA data_version').pluck().get());
      if (v !== this.dataVersion) { this.dataVersion = v; this.changes++; }
      this.dataVersionAt = now;
    }
    return this.changes;
  }

  /** namespaces() as of the last write: every listing asks for it, and it only changes with a write through this object. */
  private namespaceCounts: { namespace: string; templates: number }[] | null = null;

  private readonly writer: CatalogWriter = {
    upsert: (e, stamp) => {
      this.removeRow(e.id);
      const { lastInsertRowid } = this.sql(`INSERT INTO templates (id, namespace, license, deprecated, created, updated, version_count, files_stamp, refs_hash, doc)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(e.id, e.namespace, e.license, e.deprecated ? 1 : 0, e.created, e.updated, e.versionCount, stamp.files, stamp.refs, JSON.stringify(e));
      const rid = Number(lastInsertRowid);
      const ins = (table: string, cols: string, values: unknown[]) =>
        this.sql(`INSERT OR IGNORE INTO ${table} (${cols}, rid) VALUES (${cols.split(',').map(() => '?').join(', ')}, ?)`).run(...values, rid);
      for (const k of e.keywords) ins('keywords', 'keyword', [k]);
      for (const [k, v] of Object.entries(e.metadata)) ins('metadata', 'key,value', [k, v]);
      for (const t of e.interface?.resourceTypes ?? []) ins('resource_types', 'type', [t]);
      for (const p of e.interface?.parameters ?? []) ins('parameters', 'name', [p.name]);
      this.sql('INSERT INTO fts (rowid, name, description, keywords) VALUES (?, ?, ?, ?)').run(rid, e.name, e.description, e.keywords.join(' '));
    },
    restamp: (id, stamp) => { this.sql('UPDATE templates SET files_stamp = ?, refs_hash = ? WHERE id = ?').run(stamp.files, stamp.refs, id); },
    remove: (id) => { this.removeRow(id); this.versions.remove(id); },
    putVersions: (id, records) => this.versions.put(id, records),
    clear: () => { for (const t of ['templates', ...CHILDREN, 'fts', 'versions', 'uses']) this.db.exec(`DELETE FROM ${t}`); this.versions.forget(); },
  };

  private removeRow(id: string): void {
    const row = this.sql('SELECT rid FROM templates WHERE id = ?').get(id) as { rid: number } | undefined;
    if (!row) return;
    for (const t of CHILDREN) this.sql(`DELETE FROM ${t} WHERE rid = ?`).run(row.rid);
    this.sql('DELETE FROM fts WHERE rowid = ?').run(row.rid);
    this.sql('DELETE FROM templates WHERE rid = ?').run(row.rid);
  }

  async stamps(): Promise<Map<string, CatalogStamp>> {
    const rows = this.sql('SELECT id, files_stamp AS files, refs_hash AS refs FROM templates').all() as { id: string; files: string; refs: string }[];
    return new Map(rows.map((r) => [r.id, { files: r.files, refs: r.refs }]));
  }

  async stamp(id: string): Promise<CatalogStamp | undefined> {
    return this.sql('SELECT files_stamp AS files, refs_hash AS refs FROM templates WHERE id = ?').get(id) as CatalogStamp | undefined;
  }

  async versionRecords(id: string): Promise<VersionRecord[]> {
    return this.versions.records(id);
  }

  async versionTrees(id: string): Promise<{ version: string; commit: string; tree: string }[]> {
    // the commit is read out of the document by SQLite: no record is parsed in JavaScript, nor kept
    return this.sql("SELECT version, json_extract(doc, '$.commit') AS \"commit\", tree FROM versions WHERE template_id = ? ORDER BY position DESC").all(id) as { version: string; commit: string; tree: string }[];
  }

  async dependents(id: string): Promise<DependentUse[]> {
    const rows = this.sql(`SELECT u.template_id AS template, t.namespace, v.version, json_extract(t.doc, '$.latestVersion') AS latestVersion, u.seq, u.doc
      FROM uses u JOIN versions v ON v.template_id = u.template_id AND v.position = u.position JOIN templates t ON t.id = u.template_id
      WHERE u.target_id = ? ORDER BY u.template_id, u.position DESC, u.seq`).all(id) as { template: string; namespace: string; version: string; latestVersion: string | null; seq: number; doc: string }[];
    return rows.map((r) => ({ template: r.template, namespace: r.namespace, version: r.version, latestVersion: r.latestVersion, seq: r.seq, use: JSON.parse(r.doc) as TemplateUse }));
  }

  async auditPosition(): Promise<AuditPosition> {
    const row = this.sql('SELECT offset, file_id AS fileId FROM audit_position').get() as AuditPosition | undefined;
    return row ?? { offset: 0, fileId: '' };
  }

  async appendAudit(entries: readonly AuditRecord['entry'][], position: AuditPosition, restart: boolean): Promise<void> {
    this.db.transaction(() => {
      if (restart) this.db.exec('DELETE FROM audit');
      const ins = this.sql('INSERT INTO audit (time, action, actor, template, namespace, doc) VALUES (?, ?, ?, ?, ?, ?)');
      for (const e of entries) {
        // a template's entries belong to its namespace; registry-wide ones (tokens, the link secret) to none
        const namespace = e.namespace ?? e.template?.split('/')[0] ?? null;
        ins.run(e.time, e.action, e.actor.name, e.template ?? null, namespace, JSON.stringify(e));
      }
      this.sql('INSERT OR REPLACE INTO audit_position (one, offset, file_id) VALUES (1, ?, ?)').run(position.offset, position.fileId);
    })();
  }

  async audit(q: AuditQuery): Promise<{ items: AuditRecord[]; more: boolean }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.namespaces !== null) { where.push('namespace IN (SELECT value FROM json_each(?))'); params.push(JSON.stringify(q.namespaces)); }
    for (const [col, v] of [['template', q.template], ['actor', q.actor], ['action', q.action]] as const) {
      if (v !== undefined) { where.push(`${col} = ?`); params.push(v); }
    }
    if (q.since !== undefined) { where.push('time >= ?'); params.push(q.since); }
    if (q.until !== undefined) { where.push('time < ?'); params.push(q.until); }
    if (q.before !== undefined) { where.push('seq < ?'); params.push(q.before); }
    const rows = this.sql(`SELECT seq, doc FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...params, q.limit + 1) as { seq: number; doc: string }[];
    return { items: rows.slice(0, q.limit).map((r) => ({ seq: r.seq, entry: JSON.parse(r.doc) as AuditRecord['entry'] })), more: rows.length > q.limit };
  }

  /** The FROM and WHERE of the templates that match `q` (its page aside). */
  private build(q: CatalogQuery): Built {
    const where: string[] = ['t.namespace IN (SELECT value FROM json_each(?))'];
    const params: unknown[] = [JSON.stringify(q.visible)];
    const ranked = q.text.include.length > 0;
    const from = ranked ? 'fts JOIN templates t ON t.rid = fts.rowid' : 'templates t';
    if (ranked) { where.push('fts MATCH ?'); params.push(ftsAll(q.text.include)); }
    if (q.text.exclude.length > 0) { where.push('t.rid NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)'); params.push(ftsAny(q.text.exclude)); }
    if (q.namespace !== undefined) { where.push('t.namespace = ?'); params.push(q.namespace); }
    if (q.license !== undefined) { where.push('t.license = ?'); params.push(q.license); }
    if (q.deprecated !== undefined) { where.push('t.deprecated = ?'); params.push(q.deprecated ? 1 : 0); }
    for (const k of q.keywords) { where.push('EXISTS (SELECT 1 FROM keywords k WHERE k.keyword = ? AND k.rid = t.rid)'); params.push(k); }
    for (const m of q.metadata) { where.push('EXISTS (SELECT 1 FROM metadata m WHERE m.key = ? AND m.value = ? AND m.rid = t.rid)'); params.push(m.key, m.value); }
    for (const p of q.parameters) { where.push('EXISTS (SELECT 1 FROM parameters p WHERE p.name = ? AND p.rid = t.rid)'); params.push(p); }
    for (const r of q.resourceTypes) {
      where.push(`EXISTS (SELECT 1 FROM resource_types r WHERE r.type ${r.prefix ? 'GLOB ?' : '= ?'} AND r.rid = t.rid)`);
      params.push(r.prefix ? `${globLiteral(r.type)}*` : r.type);
    }
    return { from, where, params, ranked };
  }

  async search(q: CatalogQuery): Promise<CatalogPage> {
    const b = this.build(q);
    const total = (this.sql(`SELECT count(*) AS n FROM ${b.from} WHERE ${b.where.join(' AND ')}`).get(...b.params) as { n: number }).n;
    const sort = q.sort === 'relevance' && !b.ranked ? 'name' : q.sort;
    const key = { relevance: SCORE, name: 't.id', updated: 't.updated', created: 't.created', versions: 't.version_count' }[sort];
    const where = [...b.where];
    const params = [...b.params];
    const cmp = q.order === 'asc' ? '>' : '<';
    if (q.after) {
      // ties on the key are broken by id, ascending, whatever the order
      if (sort === 'name') where.push(`t.id ${cmp} ?`); else where.push(`(${key} ${cmp} ? OR (${key} = ? AND t.id > ?))`);
      params.push(...(sort === 'name' ? [q.after.id] : [q.after.key, q.after.key, q.after.id]));
    }
    const order = sort === 'name' ? `t.id ${q.order}` : `${key} ${q.order}, t.id ASC`;
    const rows = this.sql(`SELECT t.rid, t.id, t.doc, ${key} AS key FROM ${b.from} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`)
      .all(...params, q.limit + 1) as Row[];
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => JSON.parse(r.doc) as CatalogEntry),
      next: rows.length > q.limit && last ? { key: last.key, id: last.id } : null,
      total,
    };
  }

  async relevance(text: TextQuery, id: string): Promise<number | undefined> {
    if (text.include.length === 0) return undefined;
    const row = this.sql(`SELECT ${SCORE} AS score FROM fts JOIN templates t ON t.rid = fts.rowid WHERE fts MATCH ? AND t.id = ?`)
      .get(ftsAll(text.include), id) as { score: number } | undefined;
    return row?.score;
  }

  async facets(q: CatalogQuery, names: readonly FacetName[]): Promise<Facets> {
    const b = this.build(q);
    const matching = `SELECT t.rid FROM ${b.from} WHERE ${b.where.join(' AND ')}`;
    const sql: Record<FacetName, string> = {
      keywords: `SELECT keyword AS value, count(*) AS count FROM keywords WHERE rid IN (${matching}) GROUP BY keyword`,
      resource_types: `SELECT type AS value, count(*) AS count FROM resource_types WHERE rid IN (${matching}) GROUP BY type`,
      namespaces: `SELECT namespace AS value, count(*) AS count FROM templates WHERE rid IN (${matching}) GROUP BY namespace`,
      licenses: `SELECT license AS value, count(*) AS count FROM templates WHERE license IS NOT NULL AND rid IN (${matching}) GROUP BY license`,
    };
    const out: Record<string, { value: string; count: number }[]> = {};
    for (const n of names) {
      out[n] = this.sql(`${sql[n]} ORDER BY count DESC, value ASC LIMIT ${MAX_FACET_VALUES}`).all(...b.params) as { value: string; count: number }[];
    }
    return out;
  }

  async namespaces(): Promise<{ namespace: string; templates: number }[]> {
    this.namespaceCounts ??= this.sql('SELECT namespace, count(*) AS templates FROM templates GROUP BY namespace ORDER BY namespace').all() as { namespace: string; templates: number }[];
    return this.namespaceCounts.map((n) => ({ ...n }));
  }

  close(): void {
    this.db.close();
  }
}
