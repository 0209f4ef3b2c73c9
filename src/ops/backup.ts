// `heater backup`: a consistent copy of a data directory while the server runs (each repository's refs then its objects, the state files, a manifest).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RepoStore, TemplateId } from '../git/store';
import { runGit, git, GitCommandError, gitErrorText } from '../git/exec';
import { withFileLock } from '../state/file-lock';
import { writeFileAtomic } from '../state/atomic-file';
import { BackupError } from '../errors/backup-error';
import {
  BUNDLE, FORMAT, MANIFEST, NAMESPACES_DIR, REPOS_DIR, REPO_FILES, STATE_DIR, STATE_FILES,
  heaterVersion, refsDigest, sha256, type BackupManifest, type BackupRepository, type BackupStateFile,
} from './backup-manifest';

// Repositories bundled at once (each is one git pack-objects).
const CONCURRENCY = 2;
// Bundles made of one repository whose refs keep changing before giving up, and the wait after the n-th (n × RETRY_MS).
const TRIES = 10;
const RETRY_MS = 200;

/** True when `dir` is absent or an empty folder; throws the system error when it cannot be read. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Backs up the data directory of `store` into `dir` (absent or empty; throws BackupError otherwise)
 * and returns the manifest it wrote last, as `dir/backup.json`. Each repository is one
 * `git bundle create --all`: git reads the refs first, then packs what they reach, so a push landing
 * meanwhile is in the copy whole or not at all. Safe while the server runs: it only reads.
 */
export async function backup(store: RepoStore, dir: string): Promise<BackupManifest> {
  if (!(await isEmptyDir(dir))) throw new BackupError('target-not-empty', `${dir} is not empty; give a new or empty folder for the backup.`);
  const created = new Date().toISOString();
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const templates = await store.list();
  const repositories: BackupRepository[] = [];
  let i = 0;
  const worker = async () => {
    for (let t = templates[i++]; t; t = templates[i++]) {
      const r = await backupRepository(store.gitDir(t), path.join(dir, REPOS_DIR, t.namespace, t.name), t);
      if (r) repositories.push(r);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  repositories.sort((a, b) => a.template.localeCompare(b.template));
  const state = await backupState(store.stateDir, path.join(dir, STATE_DIR));
  const manifest: BackupManifest = { format: FORMAT, heater: heaterVersion(), created, repositories, state };
  // written last: a folder without it is a backup that did not finish
  await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** The repository's refs now, as a digest of `<oid> <refname>` lines. */
async function refsNow(gitDir: string): Promise<string> {
  return refsDigest((await git(['for-each-ref', '--format=%(objectname) %(refname)'], { gitDir })).toString('utf8')).hash;
}

/**
 * Bundles one repository and copies its HEAD, config and description; null when it vanished
 * meanwhile (deleted). git reads a repository's refs one by one and a push updates them one by
 * one, so the bundle is kept only when the refs were the same just before it, in it and just after
 * it: no update landed while it was made, so it holds one state of the repository, not half of a
 * push. Otherwise it is made again, up to TRIES times.
 */
async function backupRepository(gitDir: string, into: string, t: TemplateId): Promise<BackupRepository | null> {
  await fs.mkdir(into, { recursive: true });
  const bundle = path.join(into, BUNDLE);
  for (let attempt = 1; ; attempt++) {
    if (!(await fs.stat(path.join(gitDir, 'HEAD')).catch(() => null))) { await fs.rm(into, { recursive: true, force: true }); return null; }
    const before = await refsNow(gitDir);
    await fs.rm(bundle, { force: true });
    // --all: every ref under refs/ (refs/heater/versions too: transfer.hideRefs is for the wire, not for bundles) and HEAD
    const r = await runGit(['bundle', 'create', '--quiet', bundle, '--all'], { gitDir });
    if (r.code !== 0 && !/empty bundle/i.test(r.stderr)) {
      if (!(await fs.stat(path.join(gitDir, 'HEAD')).catch(() => null))) continue; // deleted meanwhile: said above
      throw new GitCommandError(['bundle', 'create', t.id], r.code, gitErrorText(r.stderr));
    }
    const digest = r.code === 0 ? refsDigest((await git(['bundle', 'list-heads', bundle], { gitDir })).toString('utf8')) : refsDigest('');
    if (digest.hash === before && (await refsNow(gitDir)) === before) {
      await copyRepoFiles(gitDir, into);
      return { template: t.id, ...digest };
    }
    if (attempt >= TRIES) throw new BackupError('backup-mismatch', `${t.id}: its refs changed during each of ${TRIES} tries to copy it; back it up when pushes to it pause.`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS * attempt));
  }
}

/** Copies HEAD, config and description as they are (git replaces each by renaming a lock file: a read sees one whole version). */
async function copyRepoFiles(gitDir: string, into: string): Promise<void> {
  for (const f of REPO_FILES) {
    const text = await fs.readFile(path.join(gitDir, f)).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return null; throw e; });
    if (text !== null) await fs.writeFile(path.join(into, f), text);
  }
}

/** Copies each state file that exists, each read whole (under its lock when the server writes it under one); returns their records. */
async function backupState(stateDir: string, into: string): Promise<BackupStateFile[]> {
  const namespaces = (await fs.readdir(path.join(stateDir, NAMESPACES_DIR)).catch(() => [] as string[]))
    .filter((f) => f.endsWith('.json')).sort().map((f) => ({ file: `${NAMESPACES_DIR}/${f}`, locked: true }));
  const out: BackupStateFile[] = [];
  for (const { file, locked } of [...STATE_FILES, ...namespaces]) {
    const src = path.join(stateDir, file);
    const read = () => fs.readFile(src, 'utf8').catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return null; throw e; });
    // only a file that exists is locked: taking a lock would make .heater/ in a data directory that has none
    const exists = (await fs.stat(src).catch(() => null)) !== null;
    let text = exists && locked ? await withFileLock(src, read) : exists ? await read() : null;
    if (text === null) continue;
    // an append-only log: a line being appended right now belongs to the next backup
    if (file === 'audit.log') text = text.slice(0, text.lastIndexOf('\n') + 1);
    await writeFileAtomic(path.join(into, file), text);
    out.push({ file, bytes: Buffer.byteLength(text), sha256: sha256(text) });
  }
  return out;
}
