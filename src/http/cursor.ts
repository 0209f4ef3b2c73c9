// Opaque page cursors: a small JSON object in base64url, bound to the query it was handed out for.
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/invalid-input-error';

/** A short hash of a query's filters and order (its page size aside), which a cursor carries so it cannot move to another query. */
export function queryFingerprint(q: object): string {
  return createHash('sha256').update(JSON.stringify({ ...q, limit: 0 })).digest('base64url').slice(0, 16);
}

/** The cursor text of `fields`. */
export function encodeOpaque(fields: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The error of a cursor this server did not hand out. */
export function badCursor(): InvalidInputError {
  return new InvalidInputError('cursor', 'The cursor is not one this server handed out; start again without it.');
}

/** The fields of a cursor of at most `maxLength` characters; throws InvalidInputError (badCursor) for anything else. */
export function decodeOpaque(raw: string, maxLength: number): Record<string, unknown> {
  if (raw.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(raw)) throw badCursor();
  let c: unknown;
  try { c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')); } catch { throw badCursor(); }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw badCursor();
  return c as Record<string, unknown>;
}

/** A page size: a whole number from 1 to 100, 50 when not given; throws InvalidInputError. */
export function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) throw new InvalidInputError('limit', 'limit must be a whole number from 1 to 100.');
  return Number(raw);
}
