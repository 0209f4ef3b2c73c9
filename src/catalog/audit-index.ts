// The audit log's index: the JSON-lines file stays the record; this reads what the catalog has not yet taken of it.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { AuditRecord, CatalogStore } from './catalog-store';

// Read the log in slices of this size: a start-up over a long log holds one slice at a time.
const CHUNK_BYTES = 4 << 20;
// The first line names the file's contents: copy-and-truncate keeps the inode, never the first line (each has its time).
const HEAD_BYTES = 4096;

/**
 * Keeps the catalog's audit table behind the log file by nothing: `catchUp` reads the lines
 * after the stored position (all of them when the file is another one, or shorter than the
 * position: it was rotated or restored) and adds them. Called at start-up and after every
 * audited write, so lines written by anyone (the server, the CLI) arrive in file order.
 */
export class AuditIndex {
  private tail: Promise<number> = Promise.resolve(0);

  constructor(private readonly file: string, private readonly catalog: CatalogStore, private readonly warn: (msg: string) => void) {}

  /** Reads the new lines into the index; resolves to how many were added. Never rejects (a failure is warned; the next call retries). */
  catchUp(): Promise<number> {
    this.tail = this.tail.then(() => this.read()).catch((e: unknown) => {
      this.warn(`audit index: cannot read ${this.file}: ${(e as Error).message}`);
      return 0;
    });
    return this.tail;
  }

  /** Resolves when the reads under way are done (before the catalog closes). */
  async settled(): Promise<void> {
    await this.tail;
  }

  private async read(): Promise<number> {
    const pos = await this.catalog.auditPosition();
    const handle = await fs.open(this.file, 'r').catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return null; throw e; });
    if (!handle) {
      if (pos.offset > 0) await this.catalog.appendAudit([], { offset: 0, fileId: '' }, true);
      return 0;
    }
    try {
      const st = await handle.stat();
      const head = Buffer.alloc(Math.min(HEAD_BYTES, st.size));
      await handle.read(head, 0, head.length, 0);
      const firstLine = head.subarray(0, Math.max(0, head.indexOf(0x0a)));
      const fileId = `${st.dev}:${st.ino}:${createHash('sha1').update(firstLine).digest('hex').slice(0, 16)}`;
      const restart = pos.fileId !== fileId || st.size < pos.offset;
      let offset = restart ? 0 : pos.offset;
      let added = 0;
      let first = restart;
      while (offset < st.size) {
        const buf = Buffer.alloc(Math.min(CHUNK_BYTES, st.size - offset));
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (end < 0) {
          if (bytesRead === st.size - offset) break; // a line still being written: the next call takes it whole
          throw new Error(`a line at byte ${offset} is longer than ${CHUNK_BYTES} bytes`);
        }
        const entries = this.parse(buf.subarray(0, end).toString('utf8'), offset);
        offset += end + 1;
        await this.catalog.appendAudit(entries, { offset, fileId }, first);
        first = false;
        added += entries.length;
      }
      if (first) await this.catalog.appendAudit([], { offset, fileId }, true); // a new, empty file
      return added;
    } finally {
      await handle.close();
    }
  }

  private parse(text: string, offset: number): AuditRecord['entry'][] {
    const out: AuditRecord['entry'][] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const e = JSON.parse(line) as AuditRecord['entry'];
        if (typeof e === 'object' && e !== null && typeof e.time === 'string' && typeof e.action === 'string' && typeof e.actor?.name === 'string') out.push(e);
        else this.warn(`audit index: a line near byte ${offset} of ${this.file} is not an audit entry; skipped`);
      } catch {
        this.warn(`audit index: a line near byte ${offset} of ${this.file} is not JSON; skipped`);
      }
    }
    return out;
  }
}
