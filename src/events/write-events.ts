// The one seam where a write becomes known: an event after every ref transaction or settings change,
// whatever door it came through (git push, REST, the CLI); the audit log, caches and the catalog subscribe.
import type { TemplateId } from '../git/store';
import type { Actor, AuditEntry, RefChange } from '../audit/audit-log';

/** The door a write came through. */
export type WriteVia = 'git' | 'rest' | 'cli';

/** What happened; the same words as the audit log's actions. */
export type WriteAction = AuditEntry['action'];

/** One write, after it took effect (or was refused, for a push: `ok` false). */
export interface WriteEvent {
  readonly action: WriteAction;
  readonly via: WriteVia;
  readonly actor: Actor;
  /** The template written to; absent for registry-wide writes (tokens, link secret). */
  readonly template?: TemplateId;
  /** The namespace written to (the template's, or the one whose settings changed). */
  readonly namespace?: string;
  /** The refs the write moved, with their old and new ids ('' for absent). */
  readonly refs: readonly RefChange[];
  readonly ok: boolean;
  /** A short, secret-free note for people (the version, the label, the settings changed). */
  readonly detail?: string;
}

/** A subscriber; it runs before the request that caused the write answers, so it must be quick. */
export type WriteListener = (event: WriteEvent) => void | Promise<void>;

/**
 * Delivers each write to every subscriber, in subscription order, and resolves when all of them
 * are done, so a client that writes and then reads sees its write everywhere. A subscriber that
 * throws is reported through `onError` and does not stop the others: the write has happened.
 */
export class WriteEvents {
  private readonly listeners: { name: string; fn: WriteListener }[] = [];

  constructor(private readonly onError: (subscriber: string, error: Error) => void) {}

  /** Adds a subscriber, named for error messages. */
  subscribe(name: string, fn: WriteListener): void {
    this.listeners.push({ name, fn });
  }

  /** Delivers `event` to every subscriber; never rejects. */
  async emit(event: WriteEvent): Promise<void> {
    for (const { name, fn } of this.listeners) {
      try { await fn(event); } catch (e) { this.onError(name, e instanceof Error ? e : new Error(String(e))); }
    }
  }
}

/** The audit log's record of a write: the same facts, the template by id. */
export function auditEntryOf(e: WriteEvent): AuditEntry {
  // the order of the keys is the log's own, as it was before the events existed
  return {
    action: e.action, actor: e.actor,
    ...(e.template ? { template: e.template.id } : e.namespace ? { namespace: e.namespace } : {}),
    ...(e.refs.length > 0 ? { refs: e.refs } : {}),
    ok: e.ok,
    ...(e.detail !== undefined ? { detail: e.detail } : {}),
    via: e.via,
  };
}
