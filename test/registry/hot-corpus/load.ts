// The HOT validation corpus: each directory here is one template version with its expected verdict.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One case: the version's files by path, and `valid` or the expected problems (see README.md). */
export interface CorpusCase {
  readonly name: string;
  readonly files: Record<string, string>;
  readonly expect: 'valid' | string[];
}

/** One expected problem line, `rule[:line[:column]][@file]`, taken apart. */
export interface ExpectedProblem {
  readonly rule: string;
  readonly line?: number;
  readonly column?: number;
  readonly file?: string;
  /** True for a problem that only warns (written `rule… warning`). */
  readonly isWarning: boolean;
}

const EXPECT_FILE = 'EXPECT';
const EXPECT_LINE = /^([a-z][a-z0-9-]*)(?::(\d+)(?::(\d+))?)?(?:@(\S+))?(\s+warning)?$/;

/** Every case of the corpus, sorted by name; throws a plain Error naming a malformed EXPECT line. */
export function loadCorpus(): CorpusCase[] {
  return readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(__dirname, name);
      const files: Record<string, string> = {};
      for (const path of listFiles(dir, '')) if (path !== EXPECT_FILE) files[path] = readFileSync(join(dir, path), 'utf8');
      const lines = readFileSync(join(dir, EXPECT_FILE), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
      if (lines.length === 1 && lines[0] === 'valid') return { name, files, expect: 'valid' as const };
      for (const l of lines) parseExpected(l, name);
      return { name, files, expect: lines };
    });
}

/** Reads one EXPECT line; throws a plain Error when it is not `rule[:line[:column]][@file][ warning]`. */
export function parseExpected(text: string, where = 'EXPECT'): ExpectedProblem {
  const m = EXPECT_LINE.exec(text);
  if (!m || !m[1]) throw new Error(`${where}: "${text}" is not "valid" or rule[:line[:column]][@file]`);
  return {
    rule: m[1],
    ...(m[2] ? { line: Number(m[2]) } : {}),
    ...(m[3] ? { column: Number(m[3]) } : {}),
    ...(m[4] ? { file: m[4] } : {}),
    isWarning: m[5] !== undefined,
  };
}

/** Paths of every file under `dir`, "/"-separated and relative to it, as git would list them. */
function listFiles(dir: string, prefix: string): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const path = prefix ? `${prefix}/${d.name}` : d.name;
    return d.isDirectory() ? listFiles(dir, path) : [path];
  }).sort();
}
