// Interim (issue 10): every audited write is also announced as a write event, until the routes emit them themselves.
import { AuditLog, type AuditEntry } from '../audit/audit-log';
import { parseTemplateId } from '../git/store';
import type { WriteEvent, WriteEvents } from './write-events';

/** An AuditLog that, once an entry is written, delivers it as a WriteEvent to the subscribers. */
export class AnnouncingAuditLog extends AuditLog {
  constructor(stateDir: string, onError: (msg: string) => void, private readonly events: WriteEvents) {
    super(stateDir, onError);
  }

  override async record(entry: AuditEntry): Promise<void> {
    await super.record(entry);
    await this.events.emit(eventOf(entry));
  }
}

function eventOf(e: AuditEntry): WriteEvent {
  const [ns = '', name = ''] = (e.template ?? '').split('/');
  let template;
  try { template = e.template ? parseTemplateId(ns, name) : undefined; } catch { template = undefined; }
  return {
    action: e.action, via: e.action === 'push' ? 'git' : 'rest', actor: e.actor, refs: e.refs ?? [], ok: e.ok,
    ...(template ? { template, namespace: template.namespace } : e.namespace ? { namespace: e.namespace } : {}),
    ...(e.detail === undefined ? {} : { detail: e.detail }),
  };
}
