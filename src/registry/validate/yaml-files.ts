// Parsing one YAML file of a version into position-carrying documents, and locating its nodes.
import { LineCounter, isAlias, isNode, isScalar, parseAllDocuments, type Document } from 'yaml';
import type { ValidationProblem } from './problem';

/** A parsed YAML file: every document in it, and the line table that turns offsets into lines. */
export interface YamlFile {
  readonly file: string;
  readonly docs: readonly Document.Parsed[];
  readonly lines: LineCounter;
  /** `yaml-syntax` problems, in the order of the text. */
  readonly problems: readonly ValidationProblem[];
  /** True when the text has an error other than a duplicate key, so its documents cannot be trusted. */
  readonly isBroken: boolean;
}

const YAML_PATH = /\.ya?ml$/i;

/** True for the paths the validator parses as YAML (`*.yaml`, `*.yml`). */
export function isYamlPath(path: string): boolean {
  return YAML_PATH.test(path);
}

/**
 * Parses `text` as YAML 1.2 (a `%YAML 1.1` directive switches that document to 1.1), keeping
 * every document and every error with its line and column. Never throws. Merge keys (`<<`) are
 * accepted because Heat's PyYAML loader accepts them. Duplicate keys are errors, as in Heat.
 */
export function parseYamlFile(file: string, text: string): YamlFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  const problems: ValidationProblem[] = [];
  let isBroken = false;
  const seen = new Set<number>();
  for (const doc of docs) {
    for (const e of doc.errors) {
      if (e.code !== 'DUPLICATE_KEY') isBroken = true;
      // One mistake often trips two of the parser's checks at the same place: say it once.
      if (seen.has(e.pos[0])) continue;
      seen.add(e.pos[0]);
      const { line, col } = lines.linePos(e.pos[0]);
      const message = e.code === 'DUPLICATE_KEY'
        ? 'This mapping key appears twice in the same mapping; YAML keys must be unique.'
        : `YAML syntax error: ${e.message}.`;
      problems.push({ file, line, column: col, rule: 'yaml-syntax', message });
    }
  }
  return { file, docs, lines, problems, isBroken };
}

/** Returns the 1-based line and column where `node` starts, or {} when it has no position. */
export function locate(f: YamlFile, node: unknown): { line?: number; column?: number } {
  const start = isNode(node) ? node.range?.[0] : undefined;
  if (start === undefined) return {};
  const { line, col } = f.lines.linePos(start);
  return { line, column: col };
}

/** A problem in `f` placed at `node` (or at the file when the node has no position). */
export function problemAt(f: YamlFile, node: unknown, rule: string, message: string): ValidationProblem {
  return { file: f.file, ...locate(f, node), rule, message };
}

/** The string value of a plain scalar key or value, else null (numbers, merge keys, collections). */
export function stringOf(node: unknown): string | null {
  return isScalar(node) && typeof node.value === 'string' ? node.value : null;
}

/** True for a `<<` merge key, which the checks skip: the merged keys were checked where they were written. */
export function isMergeKey(node: unknown): boolean {
  return isScalar(node) && typeof node.value === 'symbol';
}

/** The node an alias points at (one step; aliases of aliases are not followed), else the node itself. */
export function deref(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}
