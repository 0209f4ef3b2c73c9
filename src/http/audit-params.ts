// The query string of GET /api/v1/audit: every parameter checked, unknown ones refused, read into an audit query.
import { AUDIT_ACTIONS } from '../audit/audit-log';
import type { AuditQuery } from '../catalog/catalog-store';
import { InvalidInputError } from '../errors/invalid-input-error';
import { isValidName } from '../git/store';
import { badCursor, decodeOpaque, encodeOpaque, pageLimit, queryFingerprint } from './cursor';

/** The filters and page, without the caller's reach (the route adds it). */
export type AuditFilter = Omit<AuditQuery, 'namespaces' | 'before'>;

const PARAMS = ['template', 'actor', 'action', 'since', 'until', 'limit', 'cursor'] as const;
const PRINTABLE = /^[^\x00-\x1f\x7f]{1,256}$/;

/** Reads the query string; throws InvalidInputError naming the parameter for anything unknown, repeated or malformed. */
export function parseAuditQuery(query: Readonly<Record<string, unknown>>): { filter: AuditFilter; before?: number } {
  const got = new Map<string, string>();
  for (const [name, raw] of Object.entries(query)) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      throw new InvalidInputError(name, `"${name.slice(0, 60).replace(/[\x00-\x1f\x7f]/g, '?')}" is not a parameter of the audit; the parameters are ${PARAMS.join(', ')}.`);
    }
    if (typeof raw !== 'string') throw new InvalidInputError(name, `${name} may be given only once.`);
    got.set(name, raw);
  }
  const template = got.get('template');
  if (template !== undefined) {
    const [ns = '', name = '', ...rest] = template.split('/');
    if (rest.length > 0 || !isValidName(ns) || !isValidName(name)) throw new InvalidInputError('template', 'template is a template id, namespace/name (acme/web).');
  }
  const actor = got.get('actor');
  if (actor !== undefined && !PRINTABLE.test(actor)) throw new InvalidInputError('actor', 'actor is 1 to 256 characters without control characters: a token\'s name, "admin" or "anonymous".');
  const action = got.get('action');
  if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new InvalidInputError('action', `action is one of ${AUDIT_ACTIONS.join(', ')}.`);
  const filter: AuditFilter = {
    ...(template === undefined ? {} : { template }),
    ...(actor === undefined ? {} : { actor }),
    ...(action === undefined ? {} : { action }),
    ...time('since', got.get('since')),
    ...time('until', got.get('until')),
    limit: pageLimit(got.get('limit')),
  };
  const cursor = got.get('cursor');
  return cursor === undefined ? { filter } : { filter, before: decodeCursor(cursor, filter) };
}

/** A time bound, normalised to the log's own form (ISO 8601 in UTC with milliseconds), so times compare as text. */
function time(name: 'since' | 'until', raw: string | undefined): Partial<Record<'since' | 'until', string>> {
  if (raw === undefined) return {};
  const ms = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw new InvalidInputError(name, `${name} is a date or time in ISO 8601 (2026-12-01, 2026-12-01T10:00:00Z, 2026-12-01T11:00:00+01:00).`);
  return { [name]: new Date(ms).toISOString() };
}

/** The opaque cursor of the page that starts below `seq`. */
export function encodeAuditCursor(seq: number, f: AuditFilter): string {
  return encodeOpaque({ b: seq, f: queryFingerprint(f) });
}

function decodeCursor(raw: string, f: AuditFilter): number {
  const { b, f: fp } = decodeOpaque(raw, 200);
  if (typeof b !== 'number' || !Number.isSafeInteger(b) || b < 1 || typeof fp !== 'string') throw badCursor();
  if (fp !== queryFingerprint(f)) throw new InvalidInputError('cursor', 'This cursor belongs to an audit query with other filters; send the same parameters as for the first page, or start again without it.');
  return b;
}
