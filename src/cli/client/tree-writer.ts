// Writes a downloaded tree into a folder and nowhere else: paths checked, files staged beside it, moved in at the end without following links.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliError, usageError } from './cli-error';
import { EXIT } from './exit-codes';

/** Throws CliError unless `p` is a plain relative path: no absolute, `.`, `..` or empty segment, backslash, control character or `.git`. */
export function checkTreePath(p: string): void {
  const segments = p.split('/');
  const bad = p === '' || p.startsWith('/') || /[\\\x00-\x1f\x7f]/.test(p) || /^[A-Za-z]:/.test(p)
    || segments.some((s) => s === '' || s === '.' || s === '..' || s.toLowerCase() === '.git');
  if (bad) throw new CliError(`the server listed the path ${JSON.stringify(p)}, which cannot be written safely; nothing was written`, EXIT.failed);
}

/** The entries of `dir`, or null when it does not exist. Throws a usage CliError when it is not a folder. */
async function entriesOf(dir: string): Promise<string[] | null> {
  try {
    return await fs.readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw usageError(`${dir} exists and is not a folder`);
    throw e;
  }
}

/**
 * A tree being written into `dir`. Files are staged in a fresh folder on the same file system (so
 * each move is a rename) and moved in by `commit` once every one was checked; `discard` removes the stage.
 */
export class TreeWriter {
  private constructor(readonly dir: string, private readonly stage: string, private readonly into: 'whole' | 'files') {}

  /**
   * Starts a tree for `dir`. Throws a usage CliError when `dir` holds anything and `force` is not
   * given. The stage is a fresh folder beside an absent `dir` (moved in whole at the end), or inside
   * an existing one (its files moved in one by one), so only `dir` and its parent's right to
   * create it are ever needed.
   */
  static async open(dir: string, force: boolean): Promise<TreeWriter> {
    const target = path.resolve(dir);
    const entries = await entriesOf(target);
    if (entries && entries.length > 0 && !force) throw usageError(`${dir} is not empty; give --force to write into it, or another -o DIR`);
    if (!entries) await fs.mkdir(path.dirname(target), { recursive: true });
    // mkdir, not mkdtemp (0700): a stage moved in whole becomes the folder, so it gets the umask's mode
    const stage = path.join(entries ? target : path.dirname(target), `.heater-get-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(stage);
    return new TreeWriter(target, stage, entries ? 'files' : 'whole');
  }

  /** Stages one file (its path checked already). */
  async add(p: string, bytes: Uint8Array, executable: boolean): Promise<void> {
    const file = path.join(this.stage, ...p.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes, { mode: executable ? 0o755 : 0o644, flag: 'wx' });
  }

  /** Moves the staged files into `dir`: the whole stage at once when `dir` was absent, else file by file. */
  async commit(paths: readonly string[]): Promise<void> {
    if (this.into === 'whole') {
      await fs.rename(this.stage, this.dir);
      return;
    }
    const root = await fs.realpath(this.dir);
    // every folder on the way must be a real folder inside root (a link there could lead anywhere):
    // all checked before the first file moves, so a refusal leaves the folder as it was
    const folders = new Set(paths.flatMap((p) => p.split('/').slice(0, -1).map((_s, i, all) => all.slice(0, i + 1).join('/'))));
    const missing: string[] = [];
    for (const f of [...folders].sort()) {
      const st = await fs.lstat(path.join(root, ...f.split('/'))).catch(() => null);
      if (!st) missing.push(f);
      else if (!st.isDirectory()) throw new CliError(`${path.join(this.dir, f)} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; not writing ${paths.find((p) => p.startsWith(`${f}/`)) ?? f} through it`, EXIT.failed);
    }
    for (const f of missing) await fs.mkdir(path.join(root, ...f.split('/')), { recursive: true });
    // rename replaces a link at a file's own path itself, never what it points to
    for (const p of paths) await fs.rename(path.join(this.stage, ...p.split('/')), path.join(root, ...p.split('/')));
    await this.discard();
  }

  /** Removes the stage (after a commit, or when the download failed). */
  async discard(): Promise<void> {
    await fs.rm(this.stage, { recursive: true, force: true });
  }
}
