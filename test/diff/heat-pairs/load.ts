// The HOT upgrade corpus: each directory here is one pair of template versions with the summary expected between them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Bump } from '../../../src/diff/heat-summary';

/** One expected change: its id and the parameter, resource, output or top-level key it is about. */
export interface ExpectedChange {
  readonly change: string;
  readonly name: string;
}

/** One case: both versions' template text, and the expected summary (see README.md); `bump` null means no summary. */
export interface HeatPair {
  readonly name: string;
  readonly before: string;
  readonly after: string;
  readonly expect: { readonly bump: Bump | null; readonly changes: readonly ExpectedChange[] };
}

const BUMPS: ReadonlySet<string> = new Set(['major', 'minor', 'patch', 'none', 'null']);
const CHANGE_LINE = /^([a-z][a-z-]*) (\S+)$/;

/** Every pair of the corpus, sorted by name; throws a plain Error naming a malformed EXPECT. */
export function loadPairs(): HeatPair[] {
  return readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const read = (file: string) => readFileSync(join(__dirname, name, file), 'utf8');
      const lines = read('EXPECT').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
      const [first = '', ...rest] = lines;
      if (!BUMPS.has(first)) throw new Error(`${name}/EXPECT: the first line must be major, minor, patch, none or null, not "${first}"`);
      const changes = rest.map((line) => {
        const m = CHANGE_LINE.exec(line);
        if (!m || !m[1] || !m[2]) throw new Error(`${name}/EXPECT: "${line}" is not "change-id name"`);
        return { change: m[1], name: m[2] };
      });
      return { name, before: read('before.yaml'), after: read('after.yaml'), expect: { bump: first === 'null' ? null : (first as Bump), changes } };
    });
}
