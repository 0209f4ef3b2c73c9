// Raw form text read as Heat's Python reads it: int()/float(), oslo's bool_from_string, json.loads,
// str.strip() and len(). Pure, no Node imports: the launch form runs it in the browser too.
import { PY_SPACE } from './python-regex';

const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');
const ND = /\p{Nd}/u;

/** Python's str.strip() with no argument. */
export function pyStrip(text: string): string {
  return text.replace(STRIP, '');
}

// int() and float() read any Unicode decimal digit; Nd digits come in runs of ten from 0 to 9.
function asciiDigits(text: string): string {
  return [...text].map((ch) => {
    if (ch >= '0' && ch <= '9' || !ND.test(ch)) return ch;
    let cp = ch.codePointAt(0) ?? 0;
    let start = cp;
    while (ND.test(String.fromCodePoint(start - 1))) start--;
    cp = (cp - start) % 10;
    return String(cp);
  }).join('');
}

const DIGITS = '[0-9](?:_?[0-9])*';
const INT = new RegExp(`^[+-]?${DIGITS}$`);
const FLOAT = new RegExp(`^[+-]?(?:(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS}|${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`, 'i');

/** Heat's Schema.str_to_num of a string: int(text), else float(text); null when Python raises. */
export function pyNumber(text: string): { value: number; isInt: boolean } | null {
  const t = asciiDigits(pyStrip(text));
  if (INT.test(t)) return { value: Number(t.replace(/_/g, '')), isInt: true };
  if (!FLOAT.test(t)) return null;
  const n = t.replace(/_/g, '').toLowerCase().replace(/^([+-]?)inf(?:inity)?$/, '$1Infinity');
  return { value: /nan$/.test(n) ? NaN : Number(n), isInt: false };
}

const TRUE_WORDS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/** oslo strutils.bool_from_string(text, strict=True): null where it raises. */
export function pyBool(text: string): boolean | null {
  const t = pyStrip(text).toLowerCase();
  return TRUE_WORDS.has(t) ? true : FALSE_WORDS.has(t) ? false : null;
}

/** A value json.loads gives; `hasNonFinite` when it held NaN or Infinity, which JSON.parse refuses. */
export interface PyJson { readonly value: unknown; readonly hasNonFinite: boolean }

// Python's json module also reads the literals NaN, Infinity and -Infinity (outside strings).
const TOKENS = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])(?:-?Infinity|NaN)(?![\w.])/g;

/** json.loads(text), or null where Python raises. */
export function pyJson(text: string): PyJson | null {
  try { return { value: JSON.parse(text) as unknown, hasNonFinite: false }; } catch { /* maybe Python's extra literals */ }
  let hasNonFinite = false;
  const swapped = text.replace(TOKENS, (tok) => (tok.startsWith('"') ? tok : ((hasNonFinite = true), '0')));
  if (!hasNonFinite) return null;
  try { return { value: JSON.parse(swapped) as unknown, hasNonFinite }; } catch { return null; }
}

/** Python's len(), or null where it raises TypeError (numbers, booleans, None). */
export function pyLen(v: unknown): number | null {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  return null;
}

/** Python's str() of a YAML scalar, as Heat's string schema compares allowed values. */
export function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
