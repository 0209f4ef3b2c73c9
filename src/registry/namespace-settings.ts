// Per-namespace settings, kept as a small JSON file in the data directory (so a backup keeps them).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../errors/invalid-input-error';

export type SemverPolicy = 'warn' | 'enforce' | 'off';

export interface NamespaceSettings {
  /** What a version number too small for its breaking changes gets: refused, a warning, or nothing. */
  readonly semver: SemverPolicy;
}

const POLICIES: readonly SemverPolicy[] = ['warn', 'enforce', 'off'];

/** Checks a settings body (a partial update); throws InvalidInputError. */
export function parseSettings(body: unknown): Partial<NamespaceSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('body', 'Send a JSON object such as {"semver": "enforce"}.');
  const out: { semver?: SemverPolicy } = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k !== 'semver') throw new InvalidInputError(k, `"${k.slice(0, 50)}" is not a namespace setting; the settings are: semver.`);
    if (!POLICIES.includes(v as SemverPolicy)) throw new InvalidInputError('semver', 'semver must be "warn", "enforce" or "off".');
    out.semver = v as SemverPolicy;
  }
  return out;
}

/** Reads and writes `<stateDir>/namespaces/<ns>.json`; absent settings take the server's defaults. */
export class NamespaceSettingsStore {
  constructor(private readonly stateDir: string, private readonly defaults: NamespaceSettings) {}

  private file(ns: string): string {
    return path.join(this.stateDir, 'namespaces', `${ns}.json`); // ns is a validated name
  }

  /** The settings of a namespace (validated name), defaults filled in. */
  async get(ns: string): Promise<NamespaceSettings> {
    const text = await fs.readFile(this.file(ns), 'utf8').catch(() => null);
    if (text === null) return this.defaults;
    try { return { ...this.defaults, ...parseSettings(JSON.parse(text)) }; } catch { return this.defaults; }
  }

  /** Applies a partial update and returns the result; written atomically (temp file, rename). */
  async update(ns: string, change: Partial<NamespaceSettings>): Promise<NamespaceSettings> {
    const next = { ...(await this.get(ns)), ...change };
    const file = this.file(ns);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}`;
    await fs.writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
    await fs.rename(tmp, file);
    return next;
  }
}
