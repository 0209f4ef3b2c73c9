// What a backup folder holds and how it is laid out: backup.json (the manifest), one folder per repository, the state files.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { BackupError } from '../errors/backup-error';

/** The manifest's file name in a backup folder. */
export const MANIFEST = 'backup.json';
/** The manifest format this Heater writes and reads. */
export const FORMAT = 1;
/** Where the repositories go in a backup folder: repos/<namespace>/<name>/. */
export const REPOS_DIR = 'repos';
/** Where the state files go: state/<file as under .heater/>. */
export const STATE_DIR = 'state';
/** A repository's refs and objects, as `git bundle create --all` wrote them (absent when it has no refs). */
export const BUNDLE = 'refs.bundle';
/** The repository files copied as they are besides the bundle (HEAD names the default branch; config holds heater.created). */
export const REPO_FILES = ['HEAD', 'config', 'description'] as const;

/**
 * The state files of .heater/ a backup keeps, with whether the server changes each under its lock
 * file (src/state/file-lock.ts); namespaces/*.json are added as found. Not kept: catalog.sqlite
 * (derived from git and the audit log, rebuilt by the next start), diffs/ (precomputed diffs, filled
 * again after the next start), empty.git (made at start), tmp/.
 */
export const STATE_FILES: readonly { readonly file: string; readonly locked: boolean }[] = Object.freeze([
  { file: 'admin-token', locked: false }, // written once, by link(): never changes in place
  { file: 'tokens.json', locked: true },
  { file: 'tokens-last-used.json', locked: true },
  { file: 'link-secret', locked: true },
  { file: 'revoked-links.json', locked: true },
  { file: 'audit.log', locked: false }, // append-only: whole lines are kept
]);
/** The folder of per-namespace settings under .heater/ (each file changed under its own lock). */
export const NAMESPACES_DIR = 'namespaces';

/** One repository in a backup. */
export interface BackupRepository {
  /** `namespace/name`. */
  readonly template: string;
  /** How many refs the bundle holds (refs/heads, refs/tags, refs/heater: everything under refs/). */
  readonly refs: number;
  /** sha256 of the refs as `<oid> <refname>` lines, sorted: the same over the restored repository. */
  readonly hash: string;
}

/** One state file in a backup. */
export interface BackupStateFile {
  /** Path under .heater/, with "/" (namespaces/acme.json). */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** backup.json. */
export interface BackupManifest {
  readonly format: number;
  /** The Heater version that made it. */
  readonly heater: string;
  /** When the backup started (ISO 8601). */
  readonly created: string;
  readonly repositories: readonly BackupRepository[];
  readonly state: readonly BackupStateFile[];
}

/** The version in Heater's package.json (beside src/ and dist/ alike). */
export function heaterVersion(): string {
  try {
    return String((JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** The sha256 of refs given as `<oid> <refname>` lines (any order; other lines, HEAD among them, are ignored), and how many there are. */
export function refsDigest(lines: string): { refs: number; hash: string } {
  const refs = lines.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-f]{40,64} refs\//.test(l)).sort();
  return { refs: refs.length, hash: createHash('sha256').update(refs.map((l) => `${l}\n`).join('')).digest('hex') };
}

/** The sha256 of bytes, hex. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads and checks a backup folder's manifest; throws BackupError when it is absent, unreadable or of another format. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  let j: Partial<BackupManifest>;
  try {
    j = JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as Partial<BackupManifest>;
  } catch (e) {
    throw new BackupError('backup-unreadable', `${dir} is not a Heater backup: its ${MANIFEST} cannot be read (${(e as Error).message}).`);
  }
  const entry = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (j.format !== FORMAT || !Array.isArray(j.repositories) || !Array.isArray(j.state)
    || !j.repositories.every((r: unknown) => entry(r) && typeof r.template === 'string' && typeof r.hash === 'string' && Number.isInteger(r.refs))
    || !j.state.every((s: unknown) => entry(s) && typeof s.file === 'string' && typeof s.sha256 === 'string')) {
    throw new BackupError('backup-unreadable', `${path.join(dir, MANIFEST)} is not a backup manifest of format ${FORMAT}.`);
  }
  return j as BackupManifest;
}
