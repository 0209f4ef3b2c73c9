// Logger: structured JSON lines (pino) on stderr, readable (pino-pretty) on a terminal; secrets redacted by path and by pattern.
import pino from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from '../config/config';
import type { RefChange } from '../audit/audit-log';
import { accessLine } from './access-line';

/** What one access line says about one request. */
export interface AccessRecord {
  readonly requestId: string;
  readonly method: string;
  /** The route's template (`/api/v1/templates/:ns/:name`), never the path with its values; `null` when no route matched. */
  readonly route: string | null;
  /** `namespace/name`, when the route names a template. */
  readonly template?: string;
  /** For git requests: git-upload-pack or git-receive-pack. */
  readonly service?: string;
  /** For a push: the refs it asked to update (old and new ids, '' for none), and whether they all became that. */
  readonly refs?: readonly RefChange[];
  readonly updated?: boolean;
  readonly status: number;
  /** Bytes sent on the connection for this answer, headers included. */
  readonly bytes: number;
  readonly ms: number;
  /** True when the connection closed before the answer was complete. */
  readonly aborted: boolean;
}

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** One line per request (at info), with the record's fields as JSON fields. */
  access(record: AccessRecord): void;
  /** Writes what is pending now (before the process exits). */
  flush(): void;
}

/**
 * Fields never logged whatever a caller passes (pino's redact): credentials and signed links.
 * The access record carries none of them; this is the second line of defence.
 */
const REDACT = ['authorization', 'password', 'token', 'secret', 'link', 'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie', '*.authorization', '*.password', '*.token', '*.secret'];

// Credentials as they would appear in free text: a Heater token, an Authorization value, userinfo in a URL, a read link's path part.
const SECRET_TEXT: readonly RegExp[] = [
  /heater_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /(\/\/[^/\s:@]*:)[^@\s/]+@/g,
  /\/l\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g,
];

/** `msg` with anything shaped like a credential replaced by [redacted]. */
function scrub(msg: string): string {
  return SECRET_TEXT.reduce((text, re) => text.replace(re, (m, keep: unknown) => (typeof keep === 'string' && keep.startsWith('//') ? `${keep}[redacted]@` : '[redacted]')), msg);
}

/**
 * Where lines go by default: stderr, pretty-printed (synchronously) when it is a terminal, JSON
 * lines otherwise, written asynchronously: a line per request must not cost the request a system
 * call. Lines written while a write is under way go out together with the next; flush() writes
 * what is pending before the process exits.
 */
function stderrDestination(): pino.DestinationStream & { flushSync?: () => void } {
  if (process.stderr.isTTY) return pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:standard', ignore: 'pid' });
  // Lines gather up to 4 KiB before a write (one system call per ~15 access lines, not per line:
  // measured, a write per line cost a cached answer more than the answer itself) and go out at
  // least every FLUSH_MS, so a quiet server's last lines are not held back.
  const d = pino.destination({ dest: 2, sync: false, minLength: 4096 });
  setInterval(() => { try { d.flush(); } catch { /* a write in flight or stderr closed: the next tick or flushSync writes it */ } }, FLUSH_MS).unref();
  return d;
}

/** How long a log line may wait in a buffer. */
const FLUSH_MS = 200;
/** Bytes of access lines written at once (~50 lines). */
const ACCESS_BATCH = 16384;

/**
 * A logger writing JSON lines (`{"level":"info","time":"…","pid":…,"msg":"…"}`) for levels up to
 * `level`, to `write` when given (tests), else to stderr (see stderrDestination).
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination: pino.DestinationStream & { flushSync?: () => void } = write ? { write } : stderrDestination();
  const p = pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' } }, destination);
  // Access records are built field by field from the route template, ids and counts: none of
  // REDACT's fields is ever among them, so their lines skip pino (and its redaction pass).
  const logsAccess = p.isLevelEnabled('info');
  // Access lines gather here and go to the destination ACCESS_BATCH bytes at a time (or at the next
  // other line, or FLUSH_MS later), so the lines stay in order and a batch costs one write.
  let pending = '';
  const release = () => { if (pending !== '') { const batch = pending; pending = ''; destination.write(batch); } };
  const timer = setInterval(release, FLUSH_MS);
  timer.unref();
  return {
    error: (msg) => { release(); p.error(scrub(msg)); },
    warn: (msg) => { release(); p.warn(scrub(msg)); },
    info: (msg) => { release(); p.info(scrub(msg)); },
    debug: (msg) => { release(); p.debug(scrub(msg)); },
    access: (r) => {
      if (!logsAccess) return;
      pending += accessLine(r, process.pid, Date.now());
      if (pending.length >= ACCESS_BATCH || write) release(); // a test's sink sees each line at once
    },
    flush: () => { release(); try { destination.flushSync?.(); } catch { /* stderr closed: nothing can be written */ } },
  };
}
