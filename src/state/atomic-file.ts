// Whole-file writes that readers and crashes see as old or new, never half: temp file, fsync, rename, fsync of the folder.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces `file` with `text`: written to a temporary file beside it, flushed to disk, renamed over
 * the old one (atomic on POSIX), then the folder is flushed so the rename itself survives a crash.
 * Creates the folder if need be. Throws the system error of a failed step; the temp file is removed.
 */
export async function writeFileAtomic(file: string, text: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const h = await fs.open(tmp, 'wx', mode);
    try {
      await h.writeFile(text);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  await syncDir(dir);
}

/** Flushes a folder's entries (a rename) to disk; a filesystem that cannot fsync a folder is left as it is. */
async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch { /* EISDIR/EINVAL on some filesystems: the rename is still atomic, only its durability is the OS's */ } finally {
    await h?.close();
  }
}
