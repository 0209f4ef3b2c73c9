// Parsing one YAML file of a version into position-carrying documents, and locating its nodes.
import { isAlias, isNode, isScalar, type Document, type LineCounter, type YAMLMap } from 'yaml';
import { parseHeatYaml } from '../../heat/yaml';
import type { ValidationProblem } from './problem';

/** A parsed YAML file: every document in it, and the line table that turns offsets into lines. */
export interface YamlFile {
  readonly file: string;
  readonly docs: readonly Document.Parsed[];
  readonly lines: LineCounter;
  /** `yaml-syntax` errors, in the order of the text: what Heat's parser refuses too. */
  readonly problems: readonly ValidationProblem[];
  /** `yaml-duplicate-key` warnings: PyYAML keeps the last value, and so do the documents here. */
  readonly warnings: readonly ValidationProblem[];
  /** True when the text does not parse, so its documents cannot be trusted. */
  readonly isBroken: boolean;
}

const YAML_PATH = /\.ya?ml$/i;

/** True for the paths the validator parses as YAML (`*.yaml`, `*.yml`). */
export function isYamlPath(path: string): boolean {
  return YAML_PATH.test(path);
}

/**
 * Parses `text` as Heat does (src/heat/yaml.ts: PyYAML's YAML 1.1, Heat's constructors), keeping
 * every document and every error with its line and column. Never throws. A duplicate key is a
 * warning, resolved as PyYAML resolves it (the last value wins).
 */
export function parseYamlFile(file: string, text: string): YamlFile {
  const parsed = parseHeatYaml(text);
  const at = (offset: number) => { const { line, col } = parsed.lines.linePos(offset); return { line, column: col }; };
  const problems: ValidationProblem[] = parsed.errors.map((e) => ({ file, ...at(e.offset), rule: 'yaml-syntax', message: `YAML syntax error: ${e.message}.` }));
  const warnings: ValidationProblem[] = parsed.warnings.map((w) => ({ file, ...at(w.offset), rule: 'yaml-duplicate-key', severity: 'warning', message: `${w.message}.` }));
  return { file, docs: parsed.docs, lines: parsed.lines, problems, warnings, isBroken: problems.length > 0 };
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

/** A mapping's entries with their names (a non-string key by its text), merge keys left out. */
export function entries(map: YAMLMap | null): { name: string; key: unknown; value: unknown }[] {
  const out: { name: string; key: unknown; value: unknown }[] = [];
  for (const pair of map?.items ?? []) {
    if (isMergeKey(pair.key)) continue;
    out.push({ name: stringOf(pair.key) ?? String(isScalar(pair.key) ? pair.key.value : ''), key: pair.key, value: pair.value });
  }
  return out;
}

/** True for an absent node or a null scalar. */
export function isNull(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}
