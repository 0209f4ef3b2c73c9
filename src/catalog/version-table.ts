// The catalog's versions and uses tables: each template's version records, written as a change to the rows it has.
import type Database from 'better-sqlite3';
import type { ChangelogEntry, VersionRecord } from './catalog-store';
import type { TemplateUse } from './template-uses';

/**
 * True when `b` surely stringifies as `a` does: the same trees, uses and comparison (the same
 * objects: versionRecordsOf carries them over from the stored record) and the same other fields.
 * False means only "compare the JSON".
 */
function sameRecord(a: VersionRecord, b: VersionRecord): boolean {
  const x = a.entry;
  const y = b.entry;
  return a.tree === b.tree && a.previousTree === b.previousTree && a.uses === b.uses && x.compat === y.compat
    && x.version === y.version && x.tag === y.tag && x.commit === y.commit && x.date === y.date && x.author === y.author
    && x.message === y.message && x.previous === y.previous
    && JSON.stringify([x.deprecated, x.yanked]) === JSON.stringify([y.deprecated, y.yanked])
    && Object.keys(x).join() === Object.keys(y).join(); // no other field, in the same order (else compared as JSON)
}

/** A row of the versions table, its JSON as stored. */
interface VersionRow {
  readonly version: string;
  readonly position: number;
  readonly tree: string;
  readonly previousTree: string;
  readonly doc: string;
  readonly uses: string;
}

/** A template's rows as the file has them, and the records they read as (highest first). */
interface Kept {
  readonly rows: ReadonlyMap<string, VersionRow>;
  readonly records: readonly VersionRecord[];
}

// Templates whose rows are kept in memory: the few just pushed to or read (300 versions are ~350 KB of JSON).
const KEEP = 32;

/**
 * Reads and writes version records. The rows of the templates read or written last are kept, so a
 * push's reindex neither reads its hundreds of records back nor compares them with a second read
 * before its write. What is kept is dropped when another connection has written the file (SQLite's
 * data_version: `heater fsck --repair` beside a running server) and when a transaction rolls back.
 */
export class VersionTable {
  private readonly kept = new Map<string, Kept>();
  private dataVersion = -1;

  constructor(private readonly db: Database.Database, private readonly sql: (text: string) => Database.Statement) {}

  /** The version records of template `id`, highest version first. */
  records(id: string): VersionRecord[] {
    const known = this.keptOf(id);
    if (known) return [...known.records];
    const rows = this.sql('SELECT version, position, tree, previous_tree AS previousTree, doc, uses FROM versions WHERE template_id = ? ORDER BY position DESC').all(id) as VersionRow[];
    const records = rows.map((r) => ({ entry: JSON.parse(r.doc) as ChangelogEntry, uses: JSON.parse(r.uses) as TemplateUse[], tree: r.tree, previousTree: r.previousTree }));
    this.keep(id, new Map(rows.map((r) => [r.version, r])), records);
    return [...records];
  }

  /**
   * Writes a template's version records as a change to the rows it has: a push adds a version or
   * two to hundreds, and rewriting every row (with its JSON) cost 20–40 ms per push on 300 versions.
   * A row's position counts from the lowest version (0), so a new highest version moves no row;
   * rows that are the same but for their position are moved, the rest is deleted and inserted.
   * Runs inside the caller's transaction.
   */
  put(id: string, records: readonly VersionRecord[]): void {
    const known = this.keptOf(id);
    const before = new Map((known?.records ?? []).map((r) => [r.entry.version, r]));
    const rows = known?.rows ?? new Map((this.sql('SELECT version, position, tree, previous_tree AS previousTree, doc, uses FROM versions WHERE template_id = ?').all(id) as VersionRow[]).map((r) => [r.version, r]));
    const old = new Map(rows);
    const now = new Map<string, VersionRow>();
    const fresh: { row: VersionRow; record: VersionRecord }[] = [];
    const moved: { version: string; from: number; to: number }[] = [];
    records.forEach((record, i) => {
      const position = records.length - 1 - i;
      const same = before.get(record.entry.version);
      const o0 = old.get(record.entry.version);
      if (same && o0 && sameRecord(same, record)) {
        // the record read back and handed in again (a reindex keeps unchanged versions): its row stands
        now.set(o0.version, { ...o0, position });
        old.delete(o0.version);
        if (o0.position !== position) moved.push({ version: o0.version, from: o0.position, to: position });
        return;
      }
      const row: VersionRow = { version: record.entry.version, position, tree: record.tree, previousTree: record.previousTree, doc: JSON.stringify(record.entry), uses: JSON.stringify(record.uses) };
      now.set(row.version, row);
      const o = old.get(row.version);
      if (o && o.tree === row.tree && o.previousTree === row.previousTree && o.doc === row.doc && o.uses === row.uses) {
        old.delete(row.version);
        if (o.position !== row.position) moved.push({ version: o.version, from: o.position, to: row.position });
        return;
      }
      fresh.push({ row, record });
    });
    // what is left of the old rows is gone or changed: deleted, their uses with them
    const delVersion = this.sql('DELETE FROM versions WHERE template_id = ? AND version = ?');
    const delUses = this.sql('DELETE FROM uses WHERE template_id = ? AND position = ?');
    for (const o of old.values()) { delVersion.run(id, o.version); delUses.run(id, o.position); }
    this.move(id, moved);
    const ins = this.sql('INSERT INTO versions (template_id, position, version, tree, previous_tree, doc, uses) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const use = this.sql('INSERT INTO uses (target_id, template_id, position, seq, doc) VALUES (?, ?, ?, ?, ?)');
    for (const { row, record } of fresh) {
      ins.run(id, row.position, row.version, row.tree, row.previousTree, row.doc, row.uses);
      record.uses.forEach((u, seq) => use.run(u.template, id, row.position, seq, JSON.stringify(u)));
    }
    this.keep(id, now, [...records]);
  }

  /** Deletes every row of template `id`. */
  remove(id: string): void {
    this.sql('DELETE FROM versions WHERE template_id = ?').run(id);
    this.sql('DELETE FROM uses WHERE template_id = ?').run(id);
    this.kept.delete(id);
  }

  /** Drops what is kept (the tables were emptied, or a transaction rolled back). */
  forget(): void {
    this.kept.clear();
  }

  /** Moves rows (and their uses) to new positions. */
  private move(id: string, moved: { version: string; from: number; to: number }[]): void {
    if (moved.length === 0) return;
    moved.sort((x, y) => x.from - y.from);
    const first = moved[0] as { from: number; to: number };
    const last = moved[moved.length - 1] as { from: number; to: number };
    if (last.from - first.from === moved.length - 1 && moved.every((m) => m.to - m.from === first.to - first.from)) {
      // a version inserted below others: every row above it moves by the same step, in two statements
      const shift = first.to - first.from;
      this.sql('UPDATE versions SET position = position + ? WHERE template_id = ? AND position BETWEEN ? AND ?').run(shift, id, first.from, last.from);
      this.sql('UPDATE uses SET position = -1 - (position + ?) WHERE template_id = ? AND position BETWEEN ? AND ?').run(shift, id, first.from, last.from);
    } else {
      const moveVersion = this.sql('UPDATE versions SET position = ? WHERE template_id = ? AND version = ?');
      const moveUses = this.sql('UPDATE uses SET position = ? WHERE template_id = ? AND position = ?');
      for (const m of moved) { moveVersion.run(m.to, id, m.version); moveUses.run(-1 - m.to, id, m.from); }
    }
    // uses are keyed by position: they were moved to negative positions, so no two collided midway
    this.sql('UPDATE uses SET position = -1 - position WHERE template_id = ? AND position < 0').run(id);
  }

  private keptOf(id: string): Kept | undefined {
    const dv = this.db.pragma('data_version', { simple: true }) as number;
    if (dv !== this.dataVersion) { this.kept.clear(); this.dataVersion = dv; }
    const k = this.kept.get(id);
    if (k) { this.kept.delete(id); this.kept.set(id, k); } // most recently used last
    return k;
  }

  private keep(id: string, rows: ReadonlyMap<string, VersionRow>, records: readonly VersionRecord[]): void {
    this.kept.delete(id);
    this.kept.set(id, { rows, records });
    while (this.kept.size > KEEP) this.kept.delete(this.kept.keys().next().value as string);
  }
}
