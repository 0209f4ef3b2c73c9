// Reading YAML as Heat reads it: PyYAML's SafeLoader (YAML 1.1) with Heat's own constructors
// (heat/common/template_format.py: `yaml_loader`, timestamps kept as strings), on top of `yaml`'s
// position-keeping parser, so every value Heater reports is the value Heat would see.
import { Composer, Lexer, LineCounter, Parser, Scalar, isAlias, isMap, isPair, isScalar, isSeq, visit, type Document, type ScalarTag, type Tags } from 'yaml';

/** One thing the parser noticed, at an offset of the text. */
export interface YamlNote {
  readonly offset: number;
  readonly message: string;
}

/** A parsed YAML text: its documents (PyYAML's view: duplicate keys already resolved), errors and warnings. */
export interface HeatYaml {
  readonly docs: readonly Document.Parsed[];
  readonly lines: LineCounter;
  /** What PyYAML refuses too: the text is not YAML to Heat. */
  readonly errors: readonly YamlNote[];
  /** What PyYAML accepts but a reader should know (a duplicate key: the last one wins). */
  readonly warnings: readonly YamlNote[];
}

// PyYAML's implicit resolvers (yaml/resolver.py, Resolver.add_implicit_resolver), which only plain
// scalars go through. They differ from YAML 1.2 (`yes`/`on` are booleans, `1e3` is a string,
// `0755` is octal, `1:30` is 90) and from the `yaml` package's own 1.1 schema (`y`/`n` are strings).
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
// PyYAML resolves a plain `=` to tag:yaml.org,2002:value, for which SafeLoader has no constructor.
const VALUE = /^=$/;

/** base-60 digits `1:30:05` → 5405 (PyYAML's sexagesimal ints and floats). */
function sexagesimal(text: string): number {
  return text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
}

/** SafeConstructor.construct_yaml_int. */
function constructInt(source: string): number {
  let value = source.replace(/_/g, '');
  let sign = 1;
  if (value[0] === '-' || value[0] === '+') { if (value[0] === '-') sign = -1; value = value.slice(1); }
  if (value === '0') return 0;
  if (value.startsWith('0b')) return sign * parseInt(value.slice(2), 2);
  if (value.startsWith('0x')) return sign * parseInt(value.slice(2), 16);
  if (value.startsWith('0')) return sign * parseInt(value, 8);
  if (value.includes(':')) return sign * sexagesimal(value);
  return sign * Number(value);
}

/** SafeConstructor.construct_yaml_float. */
function constructFloat(source: string): number {
  let value = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (value[0] === '-' || value[0] === '+') { if (value[0] === '-') sign = -1; value = value.slice(1); }
  if (value === '.inf') return sign * Infinity;
  if (value === '.nan') return NaN;
  if (value.includes(':')) return sign * sexagesimal(value);
  return sign * Number(value);
}

const constructBool = (source: string) => ['yes', 'true', 'on'].includes(source.toLowerCase());

/** An explicitly tagged number: PyYAML's int()/float() refuse text that is not one. */
function explicit(source: string, value: number, onError: (message: string) => void, what: string): number {
  if (Number.isNaN(value) && !/nan/i.test(source)) onError(`"${source}" is not a valid ${what} for its !!${what} tag`);
  return value;
}

const TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: NULL, resolve: () => new Scalar(null), identify: (v) => v === null },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL, resolve: (s) => new Scalar(constructBool(s)), identify: (v) => typeof v === 'boolean' },
  { tag: 'tag:yaml.org,2002:float', default: true, test: FLOAT, resolve: constructFloat, identify: (v) => typeof v === 'number' && !Number.isInteger(v) },
  { tag: 'tag:yaml.org,2002:int', default: true, test: INT, resolve: constructInt, identify: (v) => typeof v === 'number' && Number.isInteger(v) },
  // explicit `!!int "7"`, `!!float "1"`, `!!bool "yes"`: PyYAML constructs what the tag says, whatever the text looks like
  { tag: 'tag:yaml.org,2002:int', resolve: (s, onError) => explicit(s, constructInt(s), onError, 'int') },
  { tag: 'tag:yaml.org,2002:float', resolve: (s, onError) => explicit(s, constructFloat(s), onError, 'float') },
  { tag: 'tag:yaml.org,2002:bool', resolve: (s) => new Scalar(constructBool(s)) },
  { tag: 'tag:yaml.org,2002:null', resolve: () => new Scalar(null) },
  // bytes to Python; kept here as their canonical base64 text
  { tag: 'tag:yaml.org,2002:binary', resolve: (s) => Buffer.from(s.replace(/\s+/g, ''), 'base64').toString('base64') },
  // Heat's yaml_loader constructs timestamps as plain strings, so `2013-05-23` stays text
  { tag: 'tag:yaml.org,2002:timestamp', resolve: (s) => s },
  { tag: 'tag:yaml.org,2002:value', default: true, test: VALUE, resolve: (s, onError) => { onError('PyYAML (Heat\'s parser) has no constructor for a plain "=" (tag:yaml.org,2002:value); quote it'); return s; } },
];
/** The explicit tags SafeLoader constructs; any other (`!Ref`, `!!python/…`) is an error to Heat. */
const KNOWN_TAGS = new Set(['tag:yaml.org,2002:str', 'tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq', 'tag:yaml.org,2002:set',
  'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs', 'tag:yaml.org,2002:binary', ...TAGS.map((t) => t.tag)]);

const customTags = (failsafe: Tags): Tags => [...failsafe, ...TAGS, 'merge', 'set', 'omap', 'pairs'];

/**
 * The `yaml` lexer, except that inside a flow collection (`[…]`, `{…}`) indentation does not
 * matter, as in PyYAML's scanner (no indentation tokens in flow context): a `}]` that closes a
 * multi-line flow collection at the key's own column ends it, instead of being an error.
 * `indentNext` is only read by parseFlowCollection at its first check, and flow context never
 * changes it, so lowering it for that call and restoring it afterwards affects nothing else.
 */
class PyYamlLexer extends Lexer {}
interface LexerInternals { indentNext: number; parseFlowCollection(): Generator<string, string> }
const base = Lexer.prototype as unknown as LexerInternals;
(PyYamlLexer.prototype as unknown as LexerInternals).parseFlowCollection = function* parseFlowCollection(this: LexerInternals) {
  const saved = this.indentNext;
  this.indentNext = 0;
  try { return yield* base.parseFlowCollection.call(this); } finally { this.indentNext = saved; }
};

/**
 * Parses `text` as Heat would (PyYAML SafeLoader, YAML 1.1 scalars, Heat's constructors), keeping
 * nodes with positions. Duplicate mapping keys are resolved as PyYAML does (the last value wins,
 * at the first key's place) and reported as warnings. Never throws.
 */
export function parseHeatYaml(text: string): HeatYaml {
  const lines = new LineCounter();
  const parser = new Parser(lines.addNewLine);
  const lexer = new PyYamlLexer();
  // the parser's documented way to take another lexer's tokens (yaml's parse/parser.ts)
  function* tokens() {
    lines.addNewLine(0); // Parser.parse() does this itself; next() does not
    for (const lexeme of lexer.lex(text)) yield* parser.next(lexeme);
    yield* parser.end();
  }
  const composer = new Composer({ schema: 'failsafe', customTags, merge: true, uniqueKeys: false, version: '1.1', strict: false });
  const docs = [...composer.compose(tokens())];
  const errors: YamlNote[] = [];
  const warnings: YamlNote[] = [];
  for (const doc of docs) {
    let hasAliases = false;
    for (const e of doc.errors) errors.push({ offset: e.pos[0], message: e.message.replace(/ at line \d+, column \d+[\s\S]*$/, '') });
    for (const w of doc.warnings) {
      if (w.code === 'TAG_RESOLVE_FAILED') errors.push({ offset: w.pos[0], message: `${w.message.replace(/ at line [\s\S]*$/, '')}; PyYAML (Heat's parser) refuses tags it has no constructor for` });
    }
    visit(doc, {
      Node(_key, node) {
        if (isScalar(node) || isMap(node)) {
          const tag = node.tag;
          if (tag !== undefined && !KNOWN_TAGS.has(tag) && !tag.startsWith('tag:yaml.org,2002:') && node.range) {
            errors.push({ offset: node.range[0], message: `The tag ${tag} has no constructor in PyYAML's SafeLoader, so Heat cannot read this file` });
          }
        }
      },
      Map(_key, map) {
        resolveDuplicates(map.items, lines, (offset, message) => warnings.push({ offset, message }));
      },
      Alias() { hasAliases = true; },
    });
    // aliases of aliases grow a value exponentially ("billion laughs"): Heat's client would serialise the
    // whole expansion, so such a text is refused here rather than expanded everywhere it is read
    if (hasAliases && aliasBomb(doc)) errors.push({ offset: doc.range[0], message: `Its aliases refer to aliases so often that they expand to more than ${MAX_ALIAS_EXPANSION} values (the expansion grows exponentially); Heat's client would expand them all` });
  }
  // Heat loads a template with yaml.load: one document at most
  return { docs, lines, errors: dedupe(errors), warnings };
}

/**
 * PyYAML builds a dict from a mapping: a repeated key keeps its first place and takes its last
 * value. Rewrites `items` that way, calling `warn` at each repeat. Keys compare by their value.
 */
function resolveDuplicates(items: { key: unknown; value: unknown }[], lines: LineCounter, warn: (offset: number, message: string) => void): void {
  const first = new Map<string, number>();
  for (let i = 0; i < items.length; i++) {
    const pair = items[i];
    if (!pair || !isScalar(pair.key) || typeof pair.key.value === 'symbol') continue; // merge keys and collection keys
    const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
    const at = first.get(id);
    if (at === undefined) { first.set(id, i); continue; }
    const kept = items[at];
    if (kept) kept.value = pair.value;
    const where = isScalar(kept?.key) && kept.key.range ? kept.key.range[0] : 0;
    warn(pair.key.range?.[0] ?? 0, `The key ${String(pair.key.value)} appears again in this mapping (first on line ${lines.linePos(where).line}); Heat keeps the last value and ignores the earlier one`);
    items.splice(i, 1);
    i--;
  }
}

function dedupe(notes: YamlNote[]): YamlNote[] {
  // One mistake often trips two of the parser's checks at the same place: say it once.
  const seen = new Set<number>();
  return notes.filter((n) => (seen.has(n.offset) ? false : (seen.add(n.offset), true)));
}

/** Nodes a document may expand to through its aliases; real templates stay far below it. */
const MAX_ALIAS_EXPANSION = 100_000;

/**
 * True when expanding the document's aliases would pass MAX_ALIAS_EXPANSION nodes (counting stops
 * there, so this is quick). An alias back into a node it sits in (a mapping merging itself, which
 * PyYAML and Heat accept) is not expanded again.
 */
function aliasBomb(doc: Document.Parsed): boolean {
  let count = 0;
  const onPath = new Set<unknown>();
  const targets = new Map<unknown, unknown>();
  const visit = (n: unknown): boolean => {
    if (++count > MAX_ALIAS_EXPANSION) return true;
    if (isAlias(n)) {
      if (!targets.has(n)) targets.set(n, n.resolve(doc));
      const target = targets.get(n);
      return target !== undefined && !onPath.has(target) && visit(target);
    }
    if (!isMap(n) && !isSeq(n)) return false;
    onPath.add(n);
    for (const item of n.items) {
      if (isPair(item) ? visit(item.key) || visit(item.value) : visit(item)) return true;
    }
    onPath.delete(n);
    return false;
  };
  return visit(doc.contents);
}

/** What loadHeatYaml gives: Heat's value of the text, or an error note. */
export type HeatYamlLoad = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * loadHeatYaml that remembers what it read, for work that meets the same files many times (a
 * version history: a tree is compared with its neighbours and searched for uses), up to
 * `maxTextBytes` of text. The values it hands out are shared: callers only read them.
 */
export function memoHeatYaml(maxTextBytes = MEMO_TEXT_BYTES): (text: string) => HeatYamlLoad {
  // least recently used out first, past `maxTextBytes` of source text (a parsed document takes
  // several times its text): a template with thousands of YAML files per version is read in
  // version order, so what the next comparison needs is what was used last
  const known = new Map<string, HeatYamlLoad>();
  let bytes = 0;
  return (text) => {
    let r = known.get(text);
    if (r) { known.delete(text); known.set(text, r); return r; }
    r = loadHeatYaml(text);
    known.set(text, r);
    bytes += text.length;
    for (const k of known.keys()) {
      if (bytes <= maxTextBytes) break;
      known.delete(k);
      bytes -= k.length;
    }
    return r;
  };
}

/** Text a memo of YAML reads keeps the parse of: 4 MiB, two versions of a template with a thousand 2 KB files. */
const MEMO_TEXT_BYTES = 4 * 1024 * 1024;

/** Heat's value of a one-document YAML text (what `template_format.parse` hands on), or an error note. */
export function loadHeatYaml(text: string): HeatYamlLoad {
  const parsed = parseHeatYaml(text);
  const error = parsed.errors[0];
  if (error) return { ok: false, error: error.message };
  if (parsed.docs.length > 1) return { ok: false, error: 'expected a single document in the stream' };
  const doc = parsed.docs[0];
  return { ok: true, value: doc ? doc.toJS({ maxAliasCount: -1 }) : null };
}
