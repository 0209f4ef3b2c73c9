// Per-namespace settings, kept as a small JSON file in the data directory (so a backup keeps them).
import { promises as fs, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors/invalid-input-error';
import { withFileLock } from '../state/file-lock';
import { writeFileAtomic } from '../state/atomic-file';

export type SemverPolicy = 'warn' | 'enforce' | 'off';

export interface NamespaceSettings {
  /** What a version number too small for its breaking changes gets: refused, a warning, or nothing. */
  readonly semver: SemverPolicy;
  /** Whether anyone may read the namespace; when false only tokens with read on it see it at all. */
  readonly anonymousRead: boolean;
}

const POLICIES: readonly SemverPolicy[] = ['warn', 'enforce', 'off'];

/** Checks a settings body (a partial update); throws InvalidInputError. */
export function parseSettings(body: unknown): Partial<NamespaceSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('body', 'Send a JSON object such as {"semver": "enforce"}.');
  const out: { semver?: SemverPolicy; anonymousRead?: boolean } = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === 'semver') {
      if (!POLICIES.includes(v as SemverPolicy)) throw new InvalidInputError('semver', 'semver must be "warn", "enforce" or "off".');
      out.semver = v as SemverPolicy;
    } else if (k === 'anonymousRead') {
      if (typeof v !== 'boolean') throw new InvalidInputError('anonymousRead', 'anonymousRead must be true or false.');
      out.anonymousRead = v;
    } else {
      throw new InvalidInputError(k, `"${k.slice(0, 50)}" is not a namespace setting; the settings are: semver, anonymousRead.`);
    }
  }
  return out;
}

/** Reads and writes `<stateDir>/namespaces/<ns>.json`; absent settings take the server's defaults. */
export class NamespaceSettingsStore {
  private readonly cache = new Map<string, { stamp: string; settings: NamespaceSettings; checkedAt: number }>();
  private folderStamp = '';
  private folderCheckedAt = -Infinity;
  private changes = 0;
  constructor(private readonly stateDir: string, private readonly defaults: NamespaceSettings) {}

  private file(ns: string): string {
    return path.join(this.stateDir, 'namespaces', `${ns}.json`); // ns is a validated name
  }

  /** The settings of a namespace (validated name), defaults filled in. */
  async get(ns: string): Promise<NamespaceSettings> {
    return this.peek(ns);
  }

  /** Whether the namespace has settings of its own (a file, even one that sets nothing). */
  hasOwn(ns: string): boolean {
    return statSync(this.file(ns), { throwIfNoEntry: false }) !== undefined;
  }

  /**
   * The settings, synchronously (asked on every request): kept per namespace
   * and read again when the file's stamp changes, so an edit (or a restore) applies at once.
   */
  peek(ns: string): NamespaceSettings {
    return this.peekStat(ns, statSync(this.file(ns), { throwIfNoEntry: false }));
  }

  /**
   * peek() of each of `names`, with one readdir of the settings folder instead of a stat per
   * namespace that has no settings file (most of them); those that have one are stat'ed as by peek().
   */
  peekMany(names: readonly string[]): Map<string, NamespaceSettings> {
    let present: Set<string>;
    try { present = new Set(readdirSync(path.join(this.stateDir, 'namespaces'))); } catch { present = new Set(); }
    return new Map(names.map((ns) => [ns, present.has(`${ns}.json`) ? this.peek(ns) : this.peekStat(ns, undefined)]));
  }

  /**
   * peek(), trusting a check of the file made less than `withinMs` ago (the cached-answer lane asks
   * on every request). Updates through this store are seen at once; a hand edit within `withinMs`.
   */
  peekRecent(ns: string, withinMs: number): NamespaceSettings {
    const hit = this.cache.get(ns);
    return hit && performance.now() - hit.checkedAt < withinMs ? hit.settings : this.peek(ns);
  }

  /**
   * A number that changes whenever any namespace's settings may have: each update through this store,
   * each file found changed, and each change of the settings folder (a file added, replaced or
   * removed), the folder checked at most every `withinMs`. Answers that depend on which namespaces
   * are readable (listings) are kept only while it stays the same.
   */
  revision(withinMs: number): number {
    const now = performance.now();
    if (now - this.folderCheckedAt >= withinMs) {
      const st = statSync(path.join(this.stateDir, 'namespaces'), { throwIfNoEntry: false });
      const stamp = st ? `${st.ino}:${st.mtimeMs}` : '';
      if (stamp !== this.folderStamp) { this.folderStamp = stamp; this.changes++; }
      this.folderCheckedAt = now;
    }
    return this.changes;
  }

  private peekStat(ns: string, st: Stats | undefined): NamespaceSettings {
    const stamp = st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '';
    const hit = this.cache.get(ns);
    const checkedAt = performance.now();
    if (hit && hit.stamp === stamp) { hit.checkedAt = checkedAt; return hit.settings; }
    if (hit) this.changes++;
    let settings = this.defaults;
    if (st) { try { settings = { ...this.defaults, ...parseSettings(JSON.parse(readFileSync(this.file(ns), 'utf8'))) }; } catch { settings = this.defaults; } }
    this.cache.set(ns, { stamp, settings, checkedAt });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return settings;
  }

  /**
   * Applies a partial update and returns the settings in effect. Only what was set explicitly is
   * written, so a namespace keeps following the server's defaults for the rest. The file is re-read
   * and replaced (temp file, fsync, rename) under its lock, so concurrent updates of different
   * settings are all kept.
   */
  async update(ns: string, change: Partial<NamespaceSettings>): Promise<NamespaceSettings> {
    const file = this.file(ns);
    return withFileLock(file, async () => {
      let explicit: Partial<NamespaceSettings> = {};
      // an unreadable file is what reads already treat as "nothing set": the update replaces it
      try { explicit = parseSettings(JSON.parse(await fs.readFile(file, 'utf8'))); } catch { explicit = {}; }
      const next = { ...explicit, ...change };
      await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, 0o644);
      this.cache.delete(ns);
      this.changes++;
      return { ...this.defaults, ...next };
    });
  }
}
