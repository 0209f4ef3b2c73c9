// The audit log: one JSON line per write (push, create, delete, publish, label, mark, setting), append-only.
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A ref as a write changed it ('' for absent). */
export interface RefChange {
  readonly ref: string;
  readonly old: string;
  readonly new: string;
}

/** Who wrote, from where. Never a token: the principal's name only. */
export interface Actor {
  readonly name: string;
  readonly address: string;
}

/** Every action the log records. */
export const AUDIT_ACTIONS = ['push', 'template.create', 'template.delete', 'version.publish', 'label.set', 'label.delete',
  'version.deprecate', 'version.undeprecate', 'version.yank', 'version.unyank', 'namespace.update',
  'token.create', 'token.revoke', 'version.delete', 'link.create', 'link.revoke', 'link.rotate-secret'] as const;

export interface AuditEntry {
  readonly action: typeof AUDIT_ACTIONS[number];
  readonly actor: Actor;
  /** The door the write came through: git, rest or cli. */
  readonly via?: 'git' | 'rest' | 'cli';
  readonly template?: string;
  readonly namespace?: string;
  readonly refs?: readonly RefChange[];
  /** Whether the write took effect (a refused push is recorded too). */
  readonly ok: boolean;
  readonly detail?: string;
}

/** What is recorded of a token created or revoked, the same whether REST or the CLI did it. */
export function tokenEntry(action: 'token.create' | 'token.revoke', token: { readonly name: string; readonly scopes: readonly string[] }): { readonly action: 'token.create' | 'token.revoke'; readonly ok: true; readonly detail: string } {
  return { action, ok: true, detail: action === 'token.create' ? `${token.name} ${token.scopes.join(' ')}` : token.name };
}

/**
 * Appends entries to `<stateDir>/audit.log`, one JSON object per line, each with a single write to a
 * file opened for appending (whole lines, in order, from concurrent writers). The file stays open
 * between entries (a write is one system call on the caller's thread, not an open, a write and a
 * close through libuv's thread pool, which cost a loaded server milliseconds a push); it is opened
 * again when the path names another file (moved or deleted). Copy-and-truncate keeps working: the
 * next line is appended at the new end. Failing to record is logged, never thrown: the write it
 * describes has already happened.
 */
export class AuditLog {
  readonly file: string;
  private fd: number | null = null;
  private ino = -1;

  constructor(stateDir: string, private readonly onError: (msg: string) => void) {
    this.file = path.join(stateDir, 'audit.log');
  }

  /** Records an entry with the current time; resolves once it is written (handed to the kernel). */
  record(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
    try {
      const fd = this.open();
      const bytes = Buffer.from(line);
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
    } catch (e) {
      this.close();
      this.onError(`audit log: ${(e as Error).message}`);
    }
    return Promise.resolve();
  }

  /** Closes the file (it is opened again by the next entry). */
  close(): void {
    if (this.fd !== null) { try { closeSync(this.fd); } catch { /* already closed */ } }
    this.fd = null;
  }

  private open(): number {
    const now = statSync(this.file, { throwIfNoEntry: false });
    if (this.fd !== null && now?.ino === this.ino) return this.fd;
    this.close();
    const fd = openSync(this.file, 'a', 0o600);
    this.fd = fd;
    this.ino = fstatSync(fd).ino;
    return fd;
  }
}
