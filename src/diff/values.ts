// Reading values of parsed YAML the way Heat does (flags, numbers, hidden) and showing them in one line.

import { canonicalKey } from './structural';

export type Mapping = Record<string, unknown>;

// Heat reads booleans with oslo's bool_from_string: these words, any case.
export const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', 'on', '1']);

export const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', 'off', '0']);

export function flag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  const word = v.trim().toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
}

// A default may be a password: anything but an absent or plainly false `hidden` hides it.
export function isHidden(v: unknown): boolean {
  return v !== undefined && v !== null && flag(v) !== false;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

// A detail is one line: long values are cut here, the whole value is in old/new.
export const SHOWN_MAX = 60;

// Text that would read as another type (or as nothing) when shown bare is quoted: "10" is not 10.
export const LOOKS_UNQUOTED = /^(?:|true|false|null|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)$/i;

export function shown(v: unknown): string {
  let text: string;
  if (typeof v === 'string') text = LOOKS_UNQUOTED.test(v) || v.trim() !== v ? JSON.stringify(v) : v;
  else if (v instanceof Date) text = Number.isNaN(v.getTime()) ? 'an invalid date' : v.toISOString();
  else if (v === undefined) text = 'nothing';
  else {
    try { text = JSON.stringify(v) ?? String(v); } catch { text = 'a value with a cycle'; }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX - 1)}…` : text;
}

export function shownList(values: unknown[]): string {
  return values.map(shown).join(', ');
}

export function own(m: Mapping, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

export function asMapping(v: unknown): Mapping {
  return isMapping(v) ? v : {};
}

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Map) && !(v instanceof Set);
}

export function same(a: unknown, b: unknown): boolean {
  return a === b || canonicalKey(a) === canonicalKey(b);
}
