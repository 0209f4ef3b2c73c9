// The search box's language: words, "quoted phrases" and -exclusions, read into terms that cannot carry query syntax.
import type { TextQuery, TextTerm } from './catalog-store';

/** Longest `q` accepted, and most terms in it: a search box, not a document. */
export const MAX_QUERY_LENGTH = 256;
export const MAX_TERMS = 16;

// A term: an optional "-", then a quoted phrase (the closing quote may be missing) or a run of non-space characters.
const TERM = /(-?)(?:"([^"]*)"?|([^\s"]+))/g;
// Words are runs of letters and digits; everything else separates them, as the index's tokenizer does.
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The terms of a search string. Unquoted words match as prefixes too (`post` finds `postgresql`);
 * quoted phrases match exactly (stemmed, as the index is); a term with "-" in front excludes.
 * Punctuation only separates words (`OS::Nova` is the phrase "os nova"), so no input is a syntax
 * error. Returns null when there are more than MAX_TERMS terms.
 */
export function parseTextQuery(q: string): TextQuery | null {
  const include: TextTerm[] = [];
  const exclude: TextTerm[] = [];
  for (const m of q.matchAll(TERM)) {
    const quoted = m[2] !== undefined;
    const words = (m[2] ?? m[3] ?? '').toLowerCase().match(WORD) ?? [];
    if (words.length === 0) continue;
    (m[1] === '-' ? exclude : include).push({ words, prefix: !quoted });
    if (include.length + exclude.length > MAX_TERMS) return null;
  }
  return { include, exclude };
}
