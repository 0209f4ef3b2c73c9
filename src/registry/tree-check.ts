// Validating the tree of a version, wherever its objects come from; verdicts cached by tree id.
import { createHash } from 'node:crypto';
import type { ValidationProblem, TreeInput } from './validate/problem';
import { validateTree } from './validate/validate-tree';

/** Where a tree's files come from: a push's quarantine, or the repository. */
export interface TreeSource {
  listTree(tree: string): Promise<readonly { path: string; mode: string; oid: string }[]>;
  /** The object; past `maxBytes` its body is empty and `size` says how big it is. */
  read(oid: string, maxBytes?: number): Promise<{ type: string; size: number; body: Buffer } | null>;
}

/** YAML bigger than this is not parsed (a template is kilobytes; this guards the server). */
export const MAX_YAML_BYTES = 1024 * 1024;
const YAML_FILE = /\.ya?ml$/i;

/** True for the files the validator reads: YAML and the manifest. */
export function isValidated(path: string): boolean {
  return YAML_FILE.test(path);
}

/** Builds the validator's input from a list of files and a way to read the ones it needs. */
export async function treeInput(files: readonly { path: string; mode: string; oid: string }[], read: (oid: string, maxBytes: number) => Promise<{ size: number; body: Buffer } | null>): Promise<{ input: TreeInput; problems: ValidationProblem[] }> {
  const problems: ValidationProblem[] = [];
  const texts = new Map<string, string>();
  for (const f of files) {
    if (!isValidated(f.path) || f.mode === '120000' || f.mode === '160000') continue;
    const obj = await read(f.oid, MAX_YAML_BYTES);
    if (!obj) { problems.push({ file: f.path, rule: 'missing-object', message: 'The file\'s content is missing from the push.' }); continue; }
    if (obj.size > MAX_YAML_BYTES) { problems.push({ file: f.path, rule: 'yaml-too-large', message: `YAML files may be at most ${MAX_YAML_BYTES} bytes to be validated; this one is ${obj.size}.` }); continue; }
    texts.set(f.path, obj.body.toString('utf8'));
  }
  return { input: { paths: new Set(files.map((f) => f.path)), texts }, problems };
}

/**
 * Validates trees. The verdict is a pure function of the paths and of the YAML blobs' ids, so it is
 * kept under that key (LRU, bounded): a new version that only changed a README, a script or an
 * image is checked without parsing any YAML again.
 */
export class TreeChecker {
  private readonly verdicts = new Map<string, readonly ValidationProblem[]>();
  constructor(private readonly max = 2048) {}

  /** Every problem of the tree, [] when it validates. */
  async check(source: TreeSource, tree: string): Promise<readonly ValidationProblem[]> {
    const files = await source.listTree(tree);
    const key = createHash('sha256');
    for (const f of files) key.update(`${f.path}\0${isValidated(f.path) ? `${f.mode}:${f.oid}` : ''}\n`);
    const digest = key.digest('hex');
    const known = this.verdicts.get(digest);
    if (known) return known;
    const { input, problems } = await treeInput(files, (oid, max) => source.read(oid, max));
    const verdict = [...problems, ...validateTree(input).problems];
    this.verdicts.set(digest, verdict);
    if (this.verdicts.size > this.max) this.verdicts.delete(this.verdicts.keys().next().value as string);
    return verdict;
  }
}
