// structuralDiff: what changed between two parsed YAML documents, path by path, and how fast.
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';
import { STRUCTURAL_DIFF_LIMIT, canonicalKey, structuralDiff, type StructuralChange } from '../../src/diff/structural';
import { loadPairs } from './heat-pairs/load';

function diff(before: string, after: string): StructuralChange[] {
  return structuralDiff(parse(before), parse(after)).changes;
}

describe('not changes', () => {
  test('reordered mapping keys', () => {
    expect(diff('a: 1\nb: {x: 1, y: [1, 2]}\nc: 3\n', 'c: 3\nb: {y: [1, 2], x: 1}\na: 1\n')).toEqual([]);
  });

  test('flow and block styles, quoting and comments', () => {
    const block = `
parameters:
  flavor:
    type: string
    constraints:
      - allowed_values:
          - m1.small
          - m1.large
`;
    const flow = `# the same, written on one line
parameters: {flavor: {type: "string", constraints: [{allowed_values: ['m1.small', m1.large]}]}}
`;
    expect(diff(block, flow)).toEqual([]);
  });

  test.each([
    ['null spellings', 'a: ~\nb: null\nc:\n', 'a: null\nb:\nc: ~\n'],
    ['number spellings', 'a: 0x10\nb: 1e2\n', 'a: 16\nb: 100\n'],
    ['the same alias expanded', 'x: &v {a: 1}\ny: *v\n', 'x: {a: 1}\ny: {a: 1}\n'],
    ['two equal dates', '%YAML 1.1\n---\nd: 2021-04-16\n', '%YAML 1.1\n---\nd: 2021-04-16T00:00:00Z\n'],
  ])('%s', (_, before, after) => {
    expect(diff(before, after)).toEqual([]);
  });
});

describe('scalars and mappings', () => {
  test('a changed scalar, with both values', () => {
    expect(diff('resources: {server: {properties: {flavor: m1.small}}}', 'resources: {server: {properties: {flavor: m1.large}}}'))
      .toEqual([{ path: 'resources.server.properties.flavor', kind: 'changed', old: 'm1.small', new: 'm1.large' }]);
  });

  test.each([
    ['a number that became a string', 'a: 1', 'a: "1"', 1, '1'],
    ['a boolean that became a string', 'a: true', 'a: "true"', true, 'true'],
    ['null that became an empty string', 'a: null', 'a: ""', null, ''],
  ])('%s is changed: the type counts', (_, before, after, old, now) => {
    expect(diff(before, after)).toEqual([{ path: 'a', kind: 'changed', old, new: now }]);
  });

  test('added and removed keys, removed ones after the rest of their mapping', () => {
    expect(diff('a: 1\nb: 2\nc: {d: 1}', 'c: {d: 1, e: 2}\nz: 9\na: 1')).toEqual([
      { path: 'c.e', kind: 'added', new: 2 },
      { path: 'z', kind: 'added', new: 9 },
      { path: 'b', kind: 'removed', old: 2 },
    ]);
  });

  test('changes follow the order of after', () => {
    const changes = diff('a: 1\nb: 1\nc: 1', 'c: 2\na: 2\nb: 2');
    expect(changes.map((c) => c.path)).toEqual(['c', 'a', 'b']);
  });

  test.each([
    ['mapping to scalar', 'a: {b: 1, c: 2}', 'a: 3', { b: 1, c: 2 }, 3],
    ['scalar to mapping', 'a: 3', 'a: {b: 1}', 3, { b: 1 }],
    ['list to mapping', 'a: [1, 2]', 'a: {b: 1}', [1, 2], { b: 1 }],
    ['mapping to null', 'a: {b: 1}', 'a:', { b: 1 }, null],
  ])('%s is one change at that path', (_, before, after, old, now) => {
    expect(diff(before, after)).toEqual([{ path: 'a', kind: 'changed', old, new: now }]);
  });

  test('null is a value: a key set to null is not a missing key', () => {
    expect(diff('a: 1', 'a: 1\nb: null')).toEqual([{ path: 'b', kind: 'added', new: null }]);
    expect(diff('a: 1\nb:', 'a: 1')).toEqual([{ path: 'b', kind: 'removed', old: null }]);
    expect(diff('b: null', 'b: 0')).toEqual([{ path: 'b', kind: 'changed', old: null, new: 0 }]);
  });

  test('a whole document that changed is at the empty path', () => {
    expect(diff('1', '2')).toEqual([{ path: '', kind: 'changed', old: 1, new: 2 }]);
    expect(structuralDiff(undefined, { a: 1 }).changes).toEqual([{ path: '', kind: 'changed', old: undefined, new: { a: 1 } }]);
  });
});

describe('paths', () => {
  test.each([
    ['a.b', 'metadata["a.b"]'],
    ['', 'metadata[""]'],
    ['with space', 'metadata["with space"]'],
    ['x[0]', 'metadata["x[0]"]'],
    ['say "hi"', 'metadata["say \\"hi\\""]'],
    ['OS::stack_name', 'metadata.OS::stack_name'],
    ['0', 'metadata.0'],
  ])('key %j is written %s', (key, path) => {
    expect(structuralDiff({ metadata: { [key]: 1 } }, { metadata: { [key]: 2 } }).changes).toEqual([{ path, kind: 'changed', old: 1, new: 2 }]);
  });

  test('a quoted key at the top has no leading dot', () => {
    expect(structuralDiff({ 'a.b': { c: 1 } }, { 'a.b': { c: 2 } }).changes.map((c) => c.path)).toEqual(['["a.b"].c']);
  });

  test('indexes go in brackets, even at the top', () => {
    expect(diff('- [1, 2]', '- [1, 3]').map((c) => c.path)).toEqual(['[0][1]']);
    expect(diff(
      'parameters: {flavor: {constraints: [{allowed_values: [a, b, c]}]}}',
      'parameters: {flavor: {constraints: [{allowed_values: [a, b, d]}]}}',
    ).map((c) => c.path)).toEqual(['parameters.flavor.constraints[0].allowed_values[2]']);
  });
});

describe('lists', () => {
  test('an insertion in the middle is one added', () => {
    expect(diff('l: [a, b, c, d, e]', 'l: [a, b, X, c, d, e]')).toEqual([{ path: 'l[2]', kind: 'added', new: 'X' }]);
  });

  test('a deletion in the middle is one removed, at its index before', () => {
    expect(diff('l: [a, b, c, d, e]', 'l: [a, b, d, e]')).toEqual([{ path: 'l[2]', kind: 'removed', old: 'c' }]);
  });

  test('an inserted mapping among mappings is one added', () => {
    const before = 'rules: [{port: 22}, {port: 80}, {port: 443}]';
    const after = 'rules: [{port: 22}, {port: 8080}, {port: 80}, {port: 443}]';
    expect(diff(before, after)).toEqual([{ path: 'rules[1]', kind: 'added', new: { port: 8080 } }]);
  });

  test('a moved element is moved, with its indexes before and after', () => {
    expect(diff('l: [a, b, c, d]', 'l: [b, c, d, a]')).toEqual([{ path: 'l[3]', kind: 'moved', from: 0, to: 3 }]);
    expect(diff('l: [{x: 1}, {y: 2}, {z: 3}]', 'l: [{z: 3}, {x: 1}, {y: 2}]')).toEqual([{ path: 'l[0]', kind: 'moved', from: 2, to: 0 }]);
  });

  test('a changed field inside a list item has its precise path', () => {
    const before = 'rules:\n  - {protocol: tcp, port: 22}\n  - {protocol: tcp, port: 80}\n';
    const after = 'rules:\n  - {protocol: tcp, port: 22}\n  - {protocol: tcp, port: 8080}\n';
    expect(diff(before, after)).toEqual([{ path: 'rules[1].port', kind: 'changed', old: 80, new: 8080 }]);
  });

  test('a changed item next to an insertion is still precise', () => {
    const before = 'l: [{n: a, v: 1}, {n: b, v: 2}, {n: c, v: 3}]';
    const after = 'l: [{n: a, v: 1}, {n: new, v: 0}, {n: b, v: 2}, {n: c, v: 30}]';
    expect(diff(before, after)).toEqual([
      { path: 'l[1]', kind: 'added', new: { n: 'new', v: 0 } },
      { path: 'l[3].v', kind: 'changed', old: 3, new: 30 },
    ]);
  });

  test('a replaced scalar is changed; extra elements are added or removed', () => {
    expect(diff('l: [a, X, c]', 'l: [a, Y, c]')).toEqual([{ path: 'l[1]', kind: 'changed', old: 'X', new: 'Y' }]);
    expect(diff('l: [a, X, c]', 'l: [a, Y, Z, c]')).toEqual([
      { path: 'l[1]', kind: 'changed', old: 'X', new: 'Y' },
      { path: 'l[2]', kind: 'added', new: 'Z' },
    ]);
    expect(diff('l: [a, b]', 'l: []')).toEqual([
      { path: 'l[0]', kind: 'removed', old: 'a' },
      { path: 'l[1]', kind: 'removed', old: 'b' },
    ]);
  });

  test('elements pair up only between the same two kept elements', () => {
    // X and Y are on different sides of b, so neither replaced the other.
    expect(diff('l: [a, X, b, c]', 'l: [a, b, Y, c]')).toEqual([
      { path: 'l[2]', kind: 'added', new: 'Y' },
      { path: 'l[1]', kind: 'removed', old: 'X' },
    ]);
  });

  test('lists of equal elements in another order: nothing kept in place is reported', () => {
    const changes = diff('l: [a, b, c, d]', 'l: [d, c, b, a]');
    expect(changes.every((c) => c.kind === 'moved')).toBe(true);
    expect(changes).toHaveLength(3);
  });
});

describe('values yaml gives', () => {
  test('dates compare by value', () => {
    const day = (s: string) => new Date(s);
    expect(structuralDiff({ d: day('2021-04-16') }, { d: day('2021-04-16T00:00:00.000Z') }).changes).toEqual([]);
    expect(structuralDiff({ d: day('2021-04-16') }, { d: day('2021-04-17') }).changes)
      .toEqual([{ path: 'd', kind: 'changed', old: day('2021-04-16'), new: day('2021-04-17') }]);
    expect(structuralDiff({ d: day('2021-04-16') }, { d: '2021-04-16' }).changes).toHaveLength(1);
  });

  test('dates in lists match by value too', () => {
    expect(structuralDiff([new Date(0), new Date(1)], [new Date(5), new Date(0), new Date(1)]).changes)
      .toEqual([{ path: '[0]', kind: 'added', new: new Date(5) }]);
  });

  test('sets and ordered maps read as lists and mappings', () => {
    expect(diff('s: !!set {a, b}', 's: !!set {a, b, c}')).toEqual([{ path: 's[2]', kind: 'added', new: 'c' }]);
    expect(structuralDiff(new Map([['a', 1]]), { a: 2 }).changes).toEqual([{ path: 'a', kind: 'changed', old: 1, new: 2 }]);
  });

  test('a recursive alias ends', () => {
    expect(diff('a: &x [1, *x]', 'a: &x [2, *x]')).toEqual([{ path: 'a[0]', kind: 'changed', old: 1, new: 2 }]);
    expect(diff('a: &x {b: *x}', 'a: &x {b: *x}')).toEqual([]);
  });
});

describe('the limit', () => {
  test(`stops at ${STRUCTURAL_DIFF_LIMIT} changes and says it did`, () => {
    const many = (v: number) => Object.fromEntries(Array.from({ length: STRUCTURAL_DIFF_LIMIT + 5 }, (_, i) => [`k${i}`, v]));
    const result = structuralDiff(many(1), many(2));
    expect(result.changes).toHaveLength(STRUCTURAL_DIFF_LIMIT);
    expect(result.truncated).toBe(true);
  });

  test('exactly at the limit is not truncated; a smaller limit can be asked for', () => {
    expect(structuralDiff({ a: 1, b: 1 }, { a: 2, b: 2 }, { limit: 2 })).toEqual({ changes: expect.any(Array), truncated: false });
    expect(structuralDiff({ a: 1, b: 1 }, { a: 2, b: 2 }, { limit: 1 })).toEqual({ changes: [{ path: 'a', kind: 'changed', old: 1, new: 2 }], truncated: true });
  });
});

test('canonicalKey: equal for documents with no changes between them, different otherwise', () => {
  expect(canonicalKey(parse('{b: [1, {c: d}], a: x}'))).toBe(canonicalKey(parse('a: x\nb:\n  - 1\n  - c: d\n')));
  expect(canonicalKey(1)).not.toBe(canonicalKey('1'));
  expect(canonicalKey(['a,b'])).not.toBe(canonicalKey(['a', 'b']));
});

test('a large list with no common elements still diffs, pairwise', () => {
  const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
  const b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
  const { changes } = structuralDiff(a, b);
  expect(changes).toHaveLength(3000);
  expect(changes.every((c) => c.kind === 'changed')).toBe(true);
});

test('two 6 KB templates: the corpus pair the bench times (bench/structural.mjs) diffs to its changes', () => {
  const pair = loadPairs().find((p) => p.name === 'web-stack-upgrade');
  if (!pair) throw new Error('web-stack-upgrade is missing from the corpus');
  expect(pair.before.length).toBeGreaterThan(5500);
  const before: unknown = parse(pair.before), after: unknown = parse(pair.after);
  expect(structuralDiff(before, after).changes.length).toBeGreaterThan(5);
});
