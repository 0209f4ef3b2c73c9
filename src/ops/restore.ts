// `heater restore`: a backup made by `heater backup` into an empty data directory (repositories with their hooks and config, the state files).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RepoStore, parseTemplateId, isValidName, type TemplateId } from '../git/store';
import { git } from '../git/exec';
import { installHooks } from '../git/hooks/install';
import { writeFileAtomic } from '../state/atomic-file';
import { BackupError } from '../errors/backup-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import { isEmptyDir } from './backup';
import { BUNDLE, NAMESPACES_DIR, REPOS_DIR, REPO_FILES, STATE_DIR, STATE_FILES, readManifest, refsDigest, sha256, type BackupManifest } from './backup-manifest';

/** What a restore recreated. */
export interface RestoreReport {
  readonly manifest: BackupManifest;
  readonly repositories: number;
  readonly stateFiles: number;
}

/** The template of a manifest entry; throws BackupError for a name no data directory could hold. */
function templateOf(id: string): TemplateId {
  const [ns = '', name = '', extra] = id.split('/');
  try {
    if (extra !== undefined) throw new InvalidInputError('template', 'too many "/"');
    return parseTemplateId(ns, name);
  } catch (e) {
    throw new BackupError('backup-unreadable', `the backup names a repository "${id.slice(0, 100)}" that is not a template id (${(e as Error).message})`);
  }
}

/** True when `file` is a state file a backup may hold (never a path leaving .heater/). */
function isStateFile(file: string): boolean {
  if (STATE_FILES.some((s) => s.file === file)) return true;
  const m = /^namespaces\/(.+)\.json$/.exec(file);
  return m !== null && m[1] !== undefined && isValidName(m[1]);
}

/**
 * Restores the backup in `dir` into `target`, which must be absent or empty (else BackupError,
 * nothing written). Each repository is built in .heater/tmp/ and renamed into place whole: its
 * HEAD, config (heater.created among it) and description as backed up, its refs fetched from the
 * bundle and checked against the manifest, Heater's hook installed. The state files are checked
 * against their hashes and written atomically. The catalog index is not restored: the next start
 * builds it. Throws BackupError for a backup that is not whole or does not match its manifest.
 */
export async function restore(dir: string, target: string): Promise<RestoreReport> {
  const manifest = await readManifest(dir);
  const templates = manifest.repositories.map((r) => ({ record: r, t: templateOf(r.template) }));
  for (const s of manifest.state) {
    if (!isStateFile(s.file)) throw new BackupError('backup-unreadable', `the backup names a state file "${s.file.slice(0, 100)}" Heater does not keep.`);
  }
  if (!(await isEmptyDir(target))) throw new BackupError('target-not-empty', `${target} is not empty; restore only into a new or empty data directory.`);
  const store = new RepoStore(target);
  await store.init();
  for (const { record, t } of templates) {
    const from = path.join(dir, REPOS_DIR, t.namespace, t.name);
    const tmp = path.join(store.stateDir, 'tmp', `restore-${randomBytes(8).toString('hex')}.git`);
    try {
      await git(['init', '--bare', '--quiet', '--template=', tmp]);
      for (const f of REPO_FILES) {
        const text = await fs.readFile(path.join(from, f)).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return null; throw e; });
        if (text !== null) await fs.writeFile(path.join(tmp, f), text);
      }
      if (record.refs > 0) await git(['fetch', '--quiet', '--no-write-fetch-head', path.join(from, BUNDLE), '+refs/*:refs/*'], { gitDir: tmp });
      const got = refsDigest((await git(['for-each-ref', '--format=%(objectname) %(refname)'], { gitDir: tmp })).toString('utf8'));
      if (got.hash !== record.hash || got.refs !== record.refs) {
        throw new BackupError('backup-mismatch', `${t.id}: the refs restored (${got.refs}) are not the refs the manifest lists (${record.refs}); the backup is damaged.`);
      }
      await installHooks(tmp);
      await fs.mkdir(path.dirname(store.gitDir(t)), { recursive: true });
      await fs.rename(tmp, store.gitDir(t));
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
  for (const s of manifest.state) {
    const text = await fs.readFile(path.join(dir, STATE_DIR, s.file), 'utf8').catch(() => null);
    if (text === null || sha256(text) !== s.sha256) throw new BackupError('backup-mismatch', `the state file ${s.file} of the backup is missing or not the one its manifest lists.`);
    if (s.file.startsWith(`${NAMESPACES_DIR}/`)) await fs.mkdir(path.join(store.stateDir, NAMESPACES_DIR), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(store.stateDir, s.file), text);
  }
  return { manifest, repositories: templates.length, stateFiles: manifest.state.length };
}
