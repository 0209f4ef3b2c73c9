// What the admin commands share: their writes announced through the write-event seam (the audit log
// subscribed, by the local OS user, via "cli"), and how a command ends (usage, exit codes, errors).
import os from 'node:os';
import { AuditLog, type Actor } from '../audit/audit-log';
import { WriteEvents, auditEntryOf, type WriteEvent } from '../events/write-events';
import { HeaterError } from '../errors/heater-error';
import { systemReason } from '../errors/startup-error';

/** A write the CLI made, as it is announced (the door and the actor are filled in). */
export type CliWrite = Omit<WriteEvent, 'via' | 'actor' | 'refs'> & { readonly refs?: WriteEvent['refs'] };

/** Returns a function announcing the CLI's writes on the data directory's state dir; failing to record is said, not fatal. */
export function cliWrites(stateDir: string, err: (s: string) => void): (write: CliWrite) => Promise<void> {
  const audit = new AuditLog(stateDir, (msg) => err(`heater: warning: ${msg}\n`));
  const events = new WriteEvents((who, e) => err(`heater: warning: ${who}: ${e.message}\n`));
  events.subscribe('audit', (e) => audit.record(auditEntryOf(e)));
  const actor = localUser();
  return (write) => events.emit({ ...write, refs: write.refs ?? [], via: 'cli', actor });
}

/** Who runs the command: the OS user (the uid when it has no name, as in some containers), from this machine. */
export function localUser(): Actor {
  let name: string;
  try { name = os.userInfo().username; } catch { name = `uid ${process.getuid?.() ?? '?'}`; }
  return { name, address: 'local' };
}

/**
 * Runs a command's verbs: `run` returns the exit code, or null for a verb it does not know (then
 * the usage is printed: exit 0 when help was asked for, else 2). A HeaterError is one line and exit 1;
 * a file-system error on `dataDir` one line and exit 2.
 */
export async function runCommand(command: string, verb: string | undefined, usage: string, err: (s: string) => void, dataDir: string, run: () => Promise<number | null>): Promise<number> {
  try {
    const code = await run();
    if (code !== null) return code;
    err(usage);
    return verb === undefined || verb === 'help' || verb === '--help' ? 0 : 2;
  } catch (e) {
    if (e instanceof HeaterError) { err(`heater ${command} ${verb}: ${e.message}\n`); return 1; }
    // a file-system error: the data directory is the only place these commands touch
    if (typeof (e as NodeJS.ErrnoException).code === 'string') { err(`heater ${command} ${verb}: cannot use the data directory ${dataDir}: ${systemReason(e)}.\n`); return 2; }
    throw e;
  }
}
