// Structural diff of two parsed YAML documents: the paths whose values were added, removed, changed or moved.

export type ChangeKind = 'added' | 'removed' | 'changed' | 'moved';

/**
 * One difference between two documents. `old` and `new` are the values themselves, not copies:
 * `added` has `new`, `removed` has `old`, `changed` has both, and `moved` has neither but `from`
 * (the index in `before`) and `to` (the index in `after`).
 */
export interface StructuralChange {
  /**
   * Where the change is: dotted keys with list indexes in brackets
   * (`parameters.flavor.constraints[0].allowed_values[2]`); a key that is empty or holds a dot,
   * bracket, quote or whitespace is written JSON-quoted in brackets (`metadata["a.b"]`). `''` is the
   * whole document. Indexes are those of `after`, except for `removed`, which has its `before` index.
   */
  path: string;
  kind: ChangeKind;
  old?: unknown;
  new?: unknown;
  from?: number;
  to?: number;
}

/** The changes in document order of `after`, and whether more were left off at the limit. */
export interface StructuralDiff {
  changes: StructuralChange[];
  truncated: boolean;
}

/** At most this many changes are returned; a diff this long is read by a program, not a reviewer. */
export const STRUCTURAL_DIFF_LIMIT = 10_000;

// Above this many cells (n × m elements left after trimming the common ends) a list is compared
// without its longest common subsequence: 4 M cells (2,000 × 2,000) is 8 MB and about 35 ms.
// Under it the shorter side has at most 2,000 elements, so a length fits in 16 bits.
const LCS_CELL_BUDGET = 4_000_000;

/**
 * The changes that turn `before` into `after`, two documents as `yaml.parse` returns them (objects,
 * arrays, scalars, Dates, and Maps and Sets from `!!omap`/`!!set`, read as mappings and lists).
 * Key order and formatting are not changes. Scalars are equal when their type and value are
 * (Dates by time, `1` and `'1'` differ); a mapping that becomes a list or scalar, or the reverse,
 * is one `changed` at its path. Lists are matched by longest common subsequence of deep-equal
 * elements; an unmatched element equal to an unmatched one at another index on the other side is
 * `moved`; the rest pair up in order between the same two matched elements as `changed` (recursing
 * into mappings and lists) and what is left over is `added` or `removed`. Within each mapping and
 * list, changes follow `after`'s order and removed entries come last. Stops at `limit` changes
 * (default STRUCTURAL_DIFF_LIMIT) and says so in `truncated`. Throws nothing for any document
 * yaml.parse returns, including ones with cycles (a recursive alias makes them); `old` and `new`
 * then hold the cycle too, so a caller that writes JSON must cut it.
 */
export function structuralDiff(before: unknown, after: unknown, options: { limit?: number } = {}): StructuralDiff {
  const differ = new Differ(Math.max(0, options.limit ?? STRUCTURAL_DIFF_LIMIT));
  differ.value('', before, after);
  return { changes: differ.changes, truncated: differ.truncated };
}

/**
 * A text that is the same for two values exactly when structuralDiff finds no change between
 * them (key order ignored, scalars typed); for sets and lookups of values.
 */
export function canonicalKey(value: unknown): string {
  return new Differ(0).keyOf(value);
}

type Mapping = Record<string, unknown>;

class Differ {
  readonly changes: StructuralChange[] = [];
  truncated = false;
  private readonly keys = new WeakMap<object, string>();
  private readonly normalized = new WeakMap<object, unknown>();
  private readonly open = new Set<object>(); // containers being walked, to stop at cycles
  private readonly keying = new Set<object>(); // containers keyOf is inside, likewise

  constructor(private readonly limit: number) {}

  value(path: string, rawBefore: unknown, rawAfter: unknown): void {
    if (rawBefore === rawAfter || this.truncated) return;
    const a = this.normal(rawBefore), b = this.normal(rawAfter);
    const shapeA = shapeOf(a), shapeB = shapeOf(b);
    if (shapeA !== shapeB || shapeA === 'scalar') {
      if (shapeA !== shapeB || scalarKey(a) !== scalarKey(b)) this.push({ path, kind: 'changed', old: a, new: b });
      return;
    }
    const containerA = a as object, containerB = b as object;
    // An alias back into a container being walked: when both sides loop, the loop's contents were
    // compared where it started; when one does, compare what each side holds.
    const loopsA = this.open.has(containerA), loopsB = this.open.has(containerB);
    if (loopsA && loopsB) return;
    if (loopsA || loopsB) {
      if (this.keyOf(a) !== this.keyOf(b)) this.push({ path, kind: 'changed', old: a, new: b });
      return;
    }
    this.open.add(containerA).add(containerB);
    if (shapeA === 'list') this.list(path, a as unknown[], b as unknown[]);
    else this.mapping(path, a as Mapping, b as Mapping);
    this.open.delete(containerA);
    this.open.delete(containerB);
  }

  private mapping(path: string, a: Mapping, b: Mapping): void {
    for (const key of Object.keys(b)) {
      if (this.truncated) return;
      if (Object.hasOwn(a, key)) this.value(keyPath(path, key), a[key], b[key]);
      else this.push({ path: keyPath(path, key), kind: 'added', new: this.normal(b[key]) });
    }
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key)) this.push({ path: keyPath(path, key), kind: 'removed', old: this.normal(a[key]) });
    }
  }

  private list(path: string, a: unknown[], b: unknown[]): void {
    const keysA = a.map((v) => this.keyOf(v)), keysB = b.map((v) => this.keyOf(v));
    const plan = planList(keysA, keysB);
    for (let j = 0; j < b.length; j++) {
      if (this.truncated) return;
      const i = plan.sourceOf[j] ?? NONE;
      const at = `${path}[${j}]`;
      const step = plan.stepOf[j];
      if (step === 'added') this.push({ path: at, kind: 'added', new: this.normal(b[j]) });
      else if (step === 'moved' && i !== j) this.push({ path: at, kind: 'moved', from: i, to: j });
      else if (step === 'paired') this.value(at, a[i], b[j]);
    }
    for (const i of plan.removed) this.push({ path: `${path}[${i}]`, kind: 'removed', old: this.normal(a[i]) });
  }

  private push(change: StructuralChange): void {
    if (this.changes.length >= this.limit) this.truncated = true;
    else this.changes.push(change);
  }

  /** Map → mapping with text keys, Set → list; the same copy each time, so cycles still close. */
  private normal(v: unknown): unknown {
    if (!(v instanceof Map || v instanceof Set)) return v;
    const known = this.normalized.get(v);
    if (known !== undefined) return known;
    const copy = v instanceof Set ? [...v] : Object.fromEntries([...v].map(([k, x]: [unknown, unknown]) => [textKey(k), x]));
    this.normalized.set(v, copy);
    return copy;
  }

  keyOf(raw: unknown): string {
    const v = this.normal(raw);
    if (shapeOf(v) === 'scalar') return scalarKey(v);
    const container = v as object;
    const known = this.keys.get(container);
    if (known !== undefined) return known;
    if (this.keying.has(container)) return '@cycle';
    this.keying.add(container);
    const key = Array.isArray(v)
      ? `[${v.map((x) => this.keyOf(x)).join(',')}]`
      : `{${Object.keys(container).sort().map((k) => `${JSON.stringify(k)}:${this.keyOf((container as Mapping)[k])}`).join(',')}}`;
    this.keying.delete(container);
    this.keys.set(container, key);
    return key;
  }
}

type Step = 'kept' | 'added' | 'moved' | 'paired';
const NONE = -1;

/** For each index of `after`: what it is, and the index of `before` it came from; then what was removed. */
interface ListPlan {
  stepOf: Step[];
  sourceOf: number[];
  removed: number[];
}

function planList(a: readonly string[], b: readonly string[]): ListPlan {
  const stepOf: Step[] = new Array<Step>(b.length).fill('added');
  const sourceOf: number[] = new Array<number>(b.length).fill(NONE);
  const usedA = new Uint8Array(a.length);
  const keep = (i: number, j: number, step: Step) => { stepOf[j] = step; sourceOf[j] = i; usedA[i] = 1; };

  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) { keep(start, start, 'kept'); start++; }
  let endA = a.length, endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; keep(endA, endB, 'kept'); }
  const anchors = commonSubsequence(a, b, start, endA, start, endB);
  for (const [i, j] of anchors) keep(i, j, 'kept');

  // Equal elements that the subsequence left out moved; take them in order.
  const waiting = new Map<string, number[]>();
  for (let i = start; i < endA; i++) {
    if (usedA[i]) continue;
    const queue = waiting.get(a[i] ?? '');
    if (queue) queue.push(i); else waiting.set(a[i] ?? '', [i]);
  }
  for (let j = start; j < endB; j++) {
    if (stepOf[j] !== 'added') continue;
    const i = waiting.get(b[j] ?? '')?.shift();
    if (i !== undefined) keep(i, j, 'moved');
  }

  // The rest pair up in order within each gap between two anchors, like the lines of a diff hunk.
  const bounds: [number, number][] = [[start - 1, start - 1], ...anchors, [endA, endB]];
  for (let g = 1; g < bounds.length; g++) {
    const [fromA, fromB] = bounds[g - 1] ?? [0, 0];
    const [toA, toB] = bounds[g] ?? [0, 0];
    let i = fromA + 1;
    for (let j = fromB + 1; j < toB; j++) {
      if (stepOf[j] !== 'added') continue;
      while (i < toA && usedA[i]) i++;
      if (i >= toA) break;
      keep(i, j, 'paired');
    }
  }
  const removed: number[] = [];
  for (let i = 0; i < a.length; i++) if (!usedA[i]) removed.push(i);
  return { stepOf, sourceOf, removed };
}

/** Index pairs of a longest common subsequence of a[startA..endA) and b[startB..endB); none past the cell budget. */
function commonSubsequence(a: readonly string[], b: readonly string[], startA: number, endA: number, startB: number, endB: number): [number, number][] {
  const n = endA - startA, m = endB - startB;
  if (n === 0 || m === 0 || n * m > LCS_CELL_BUDGET) return [];
  const width = m + 1;
  // suffix[i * width + j]: length of the LCS of a[startA + i..] and b[startB + j..].
  const suffix = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      suffix[i * width + j] = a[startA + i] === b[startB + j]
        ? (suffix[(i + 1) * width + j + 1] ?? 0) + 1
        : Math.max(suffix[(i + 1) * width + j] ?? 0, suffix[i * width + j + 1] ?? 0);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[startA + i] === b[startB + j]) { pairs.push([startA + i, startB + j]); i++; j++; }
    else if ((suffix[(i + 1) * width + j] ?? 0) >= (suffix[i * width + j + 1] ?? 0)) i++;
    else j++;
  }
  return pairs;
}

type Shape = 'mapping' | 'list' | 'scalar';

function shapeOf(v: unknown): Shape {
  if (Array.isArray(v)) return 'list';
  if (typeof v !== 'object' || v === null || v instanceof Date || ArrayBuffer.isView(v)) return 'scalar';
  return 'mapping';
}

/** A text naming a scalar's type and value, so that equal texts mean equal scalars. */
function scalarKey(v: unknown): string {
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Object.is(v, -0) ? '0' : String(v); // NaN equals NaN: a document is not changed by re-reading it
    case 'bigint': return `${v}n`;
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return 'undefined';
    case 'symbol': return `symbol:${String(v.description)}`;
    case 'function': return `function:${v.name}`;
  }
  if (v === null) return 'null';
  if (v instanceof Date) return `date:${v.getTime()}`;
  if (ArrayBuffer.isView(v)) return `binary:${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}`;
  return 'object';
}

// yaml's toJS writes a non-scalar key of a Map as its JSON text; scalars become their string.
function textKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'object' && k !== null && !(k instanceof Date)) {
    try { return JSON.stringify(k) ?? String(k); } catch { return String(k); }
  }
  return String(k);
}

const BARE_KEY = /^[^.\[\]"'\s\p{Cc}]+$/u;

function keyPath(parent: string, key: string): string {
  if (!BARE_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}
