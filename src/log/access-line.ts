// One access record as one JSON line, written by hand: the same fields pino writes, at a tenth of its cost.
import type { AccessRecord } from './logger';

const q = JSON.stringify;
let lastMs = -1;
let lastIso = '';

/** The time as pino's isoTime writes it, formatted once per millisecond (answers from memory come dozens a millisecond). */
function isoTime(ms: number): string {
  if (ms !== lastMs) { lastMs = ms; lastIso = new Date(ms).toISOString(); }
  return lastIso;
}

/**
 * The line pino would write for `logger.info({ ...r, kind: 'access' }, msg)` with Heater's options:
 * level, time, pid, then the record's fields in order, `kind` and `msg`, and a newline. Every string
 * goes through JSON.stringify, so any byte a client put in a path is escaped. Measured on a cached
 * answer: pino's generic serialiser cost twice the answer itself (bench/RESULTS.md).
 */
export function accessLine(r: AccessRecord, pid: number, now: number): string {
  const [method, msg] = fragmentsOf(r.method, r.route);
  let s = `{"level":"info","time":"${isoTime(now)}","pid":${pid},"requestId":${q(r.requestId)},${method}`;
  if (r.template !== undefined) s += `,"template":${q(r.template)}`;
  if (r.service !== undefined) s += `,"service":${q(r.service)}`;
  if (r.refs !== undefined) s += `,"refs":${q(r.refs)}`;
  if (r.updated !== undefined) s += `,"updated":${r.updated}`;
  // numbers and booleans need no escaping: the message's tail is written as is
  return `${s},"status":${r.status},"bytes":${r.bytes},"ms":${r.ms},"aborted":${r.aborted},"kind":"access","msg":${msg}${r.status} ${r.ms} ms"}\n`;
}

/** `"method":…,"route":…` and the message's escaped start (`"GET /route `, no closing quote), by method and route: a few dozen pairs. */
const fragments = new Map<string, readonly [string, string]>();
function fragmentsOf(method: string, route: string | null): readonly [string, string] {
  const key = `${method} ${route ?? '\0'}`;
  let f = fragments.get(key);
  if (!f) {
    const msg = q(`${method} ${route ?? '(no route)'} `);
    f = [`"method":${q(method)},"route":${route === null ? 'null' : q(route)}`, msg.slice(0, -1)];
    if (fragments.size < 4096) fragments.set(key, f);
  }
  return f;
}
