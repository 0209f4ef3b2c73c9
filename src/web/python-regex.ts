// Python `re` patterns (Heat's allowed_pattern) run in JavaScript with the same verdict, or refused.
// Only the syntax whose meaning is the same in both is translated (sre_parse.py is the reference);
// anything else is refused rather than guessed, so a browser never disagrees with Heat.

/** A pattern ready to run as Python's `re.match`, or why JavaScript cannot run it the same way. */
export type PythonPattern = { readonly ok: true; readonly regex: RegExp } | { readonly ok: false; readonly reason: string };

/** Python 3's str.isspace() as a class body, which `\s` and str.strip() use (JavaScript's \s differs: \uFEFF, \x1c-\x1f). */
export const PY_SPACE = '\\t\\n\\v\\f\\r\\u{1c}-\\u{20}\\u{85}\\u{a0}\\u{1680}\\u{2000}-\\u{200a}\\u{2028}\\u{2029}\\u{202f}\\u{205f}\\u{3000}';
// Python 3's Unicode \d is category Nd and \w is str.isalnum() or "_"; JavaScript's are ASCII only.
const DIGIT = '\\p{Nd}';
const WORD = '\\p{L}\\p{N}_';

class Refused extends Error {}

const hex = (ch: string): string => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
const literal = (ch: string): string => (/^[A-Za-z0-9_ ]$/.test(ch) ? ch : hex(ch));

/** Walks the pattern one code point at a time, writing the JavaScript equivalent. */
class Translator {
  private readonly chars: string[];
  private i = 0;
  out = '';
  flags = 'u';
  private isDotAll = false;
  /** What each open group's `)` becomes. */
  private readonly closers: string[] = [];

  constructor(pattern: string) { this.chars = [...pattern]; }

  private peek(k = 0): string | undefined { return this.chars[this.i + k]; }
  private next(): string {
    const c = this.chars[this.i++];
    if (c === undefined) throw new Refused('the pattern ends inside an escape, class or group');
    return c;
  }
  private rest(): string { return this.chars.slice(this.i).join(''); }

  run(): void {
    this.globalFlags();
    while (this.i < this.chars.length) this.out += this.atom();
    if (this.closers.length > 0) throw new Refused('a group is not closed');
  }

  /** `(?is)` at the very start: Python 3.11 allows global flags nowhere else. */
  private globalFlags(): void {
    const m = /^\(\?([aiLmsux]+)\)/.exec(this.rest());
    if (!m) return;
    for (const f of m[1] ?? '') {
      if (f === 'i') this.flags += this.flags.includes('i') ? '' : 'i';
      else if (f === 's') this.isDotAll = true;
      else if (f !== 'u') throw new Refused(`the (?${f}) flag has no JavaScript equivalent here`);
    }
    this.i += [...m[0]].length;
  }

  private atom(): string {
    const c = this.next();
    switch (c) {
      case '\\': return this.escape(false);
      case '.': return this.isDotAll ? '[^]' : '[^\\n]';
      case '^': return '^';
      // without MULTILINE, Python's $ also matches just before a final newline
      case '$': return '(?:$|(?=\\n$))';
      case '(': return this.group();
      case ')': {
        const close = this.closers.pop();
        if (close === undefined) throw new Refused('a ")" closes no group');
        return close;
      }
      case '|': return c;
      case '*': case '+': case '?': return c + this.lazy();
      case '{': return this.brace();
      case '[': return this.charClass();
      default: return literal(c);
    }
  }

  private lazy(): string {
    if (this.peek() === '?') { this.i++; return '?'; }
    if (this.peek() === '+') throw new Refused('possessive quantifiers (*+, ++, ?+) have no JavaScript equivalent');
    return '';
  }

  /** sre_parse: `{m}`, `{m,}`, `{,n}`, `{m,n}` repeat; any other `{` is a literal. */
  private brace(): string {
    const m = /^(\d*)(,?)(\d*)\}/.exec(this.rest());
    if (!m || this.peek() === '}') return '\\{';
    this.i += m[0].length;
    const lo = m[1] ? Number(m[1]) : 0;
    const hi = m[2] ? (m[3] ? Number(m[3]) : null) : lo;
    if (hi !== null && hi < lo) throw new Refused('a repeat has its minimum over its maximum');
    return `{${lo},${hi ?? ''}}${this.lazy()}`;
  }

  /** An opening group; its closer is pushed for the matching `)`. */
  private group(): string {
    const open = (text: string, close = ')') => { this.closers.push(close); return text; };
    if (this.peek() !== '?') return open('(');
    const r = this.rest();
    if (r.startsWith('?:')) { this.i += 2; return open('(?:'); }
    // Python may repeat a lookaround (`(?=x)*`, a real template's); JavaScript only a group holding one
    for (const look of ['?=', '?!', '?<=', '?<!']) if (r.startsWith(look)) { this.i += look.length; return open(`(?:(${look}`, '))'); }
    const named = /^\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(r);
    if (named) { this.i += named[0].length; return open(`(?<${named[1]}>`); }
    const ref = /^\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(r);
    if (ref) { this.i += ref[0].length; return `\\k<${ref[1]}>`; }
    const comment = /^\?#[^)]*\)/.exec(r);
    if (comment) { this.i += [...comment[0]].length; return ''; }
    throw new Refused(`the group (${r.slice(0, 3)}… has no JavaScript equivalent here`);
  }

  /** One escape; `inClass` gives Python's meaning inside [...] (\b is a backspace there). */
  private escape(inClass: boolean): string {
    const c = this.next();
    const simple: Record<string, string> = { n: '\\n', t: '\\t', r: '\\r', f: '\\f', v: '\\v', a: '\\u{7}' };
    if (simple[c]) return simple[c];
    if (c === 'd') return inClass ? DIGIT : `[${DIGIT}]`;
    if (c === 'w') return inClass ? WORD : `[${WORD}]`;
    if (c === 's') return inClass ? PY_SPACE : `[${PY_SPACE}]`;
    if (!inClass) {
      if (c === 'D') return `[^${DIGIT}]`;
      if (c === 'W') return `[^${WORD}]`;
      if (c === 'S') return `[^${PY_SPACE}]`;
      if (c === 'A') return '^';
      if (c === 'Z') return '$';
    } else if (c === 'b') return '\\u{8}';
    const sized: Record<string, number> = { x: 2, u: 4, U: 8 };
    const size = sized[c];
    if (size !== undefined) {
      const digits = this.chars.slice(this.i, this.i + size).join('');
      if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(digits)) throw new Refused(`\\${c} needs ${size} hex digits`);
      this.i += size;
      const cp = parseInt(digits, 16);
      if (cp > 0x10ffff) throw new Refused(`\\${c}${digits} is not a code point`);
      return `\\u{${cp.toString(16)}}`;
    }
    if (/^[A-Za-z0-9]$/.test(c)) throw new Refused(`\\${c} (a word boundary, back reference, octal or named escape) is not translated`);
    return hex(c);
  }

  private classItem(): { text: string; single: string | null } {
    const c = this.next();
    if (c !== '\\') return { text: hex(c), single: hex(c) };
    const text = this.escape(true);
    return { text, single: text.startsWith('\\u{') || text.startsWith('\\t') || /^\\[nrfv]$/.test(text) ? text : null };
  }

  /** `[...]`: a `]` first is a literal, `-` first or last is a literal, ranges need two single characters. */
  private charClass(): string {
    // a class of one negated escape (`[\S]`, a real template's) is that escape; mixed with others it is refused
    const lone = /^(\^?)\\([DWS])\]/.exec(this.rest());
    if (lone) {
      this.i += lone[0].length;
      const body = { D: DIGIT, W: WORD, S: PY_SPACE }[lone[2] as 'D' | 'W' | 'S'];
      return lone[1] ? `[${body}]` : `[^${body}]`;
    }
    let out = '[';
    if (this.peek() === '^') { this.i++; out += '^'; }
    let isFirst = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new Refused('a character class is not closed');
      if (c === ']' && !isFirst) { this.i++; return `${out}]`; }
      isFirst = false;
      const from = this.classItem();
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.i++;
        const to = this.classItem();
        if (from.single === null || to.single === null) throw new Refused('a range in a class has a class at one end');
        out += `${from.single}-${to.single}`;
      } else out += from.text;
    }
  }
}

const cache = new Map<string, PythonPattern>();

/**
 * `pattern` (Python `re` syntax, as in a HOT allowed_pattern) as a JavaScript RegExp anchored at
 * the start (Python's re.match), or the reason it cannot be run the same way. Never throws.
 */
export function pythonPattern(pattern: string): PythonPattern {
  const known = cache.get(pattern);
  if (known) return known;
  let result: PythonPattern;
  try {
    const t = new Translator(pattern);
    t.run();
    // Python's IGNORECASE compares lowercase forms (sre_compile's _ignorecase_fixes): İ and ı
    // match i there, never in JavaScript's case folding; values are mapped (matchesWhole), patterns refused
    if (t.flags.includes('i') && /\\u\{13[01]\}/.test(t.out)) throw new Refused('a dotted or dotless i in a case-insensitive pattern');
    result = { ok: true, regex: new RegExp(`^(?:${t.out})`, t.flags) };
  } catch (e) {
    result = { ok: false, reason: e instanceof Refused ? e.message : `it does not compile (${(e as Error).message})` };
  }
  if (cache.size < 1000) cache.set(pattern, result);
  return result;
}

/**
 * Heat's AllowedPattern check: re.match must succeed and end at the end of the value (the first
 * match Python finds, not the longest: `a|ab` refuses "ab"). Only for a pattern that translated.
 */
export function matchesWhole(regex: RegExp, value: string): boolean {
  const m = regex.exec(regex.flags.includes('i') ? value.replace(/[\u0130\u0131]/g, 'i') : value);
  return m !== null && m[0].length === value.length;
}
