// The audit log: one JSON line per write (push, create, delete, publish, label, mark, setting), append-only.
import { promises as fs } from 'node:fs';
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
 * file opened for appending (whole lines, in order, from concurrent writers). Failing to record is
 * logged, never thrown: the write it describes has already happened.
 */
export class AuditLog {
  readonly file: string;
  private tail: Promise<void> = Promise.resolve();

  constructor(stateDir: string, private readonly onError: (msg: string) => void) {
    this.file = path.join(stateDir, 'audit.log');
  }

  /** Records an entry with the current time; resolves once it is written. */
  record(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
    this.tail = this.tail.then(() => fs.appendFile(this.file, line, { mode: 0o600 })).catch((e: Error) => this.onError(`audit log: ${e.message}`));
    return this.tail;
  }
}
