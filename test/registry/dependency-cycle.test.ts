// findCycle: loops among resources, named along the loop; none in a tree or a diamond.
import { findCycle } from '../../src/registry/validate/dependency-cycle';

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));

test.each([
  ['none', {}, null],
  ['a chain', { a: ['b'], b: ['c'], c: [] }, null],
  ['a diamond', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, null],
  ['a self loop', { a: ['a'] }, ['a', 'a']],
  ['two resources', { a: ['b'], b: ['a'] }, ['a', 'b', 'a']],
  ['a loop behind a chain', { x: ['a'], a: ['b'], b: ['c'], c: ['a'] }, ['a', 'b', 'c', 'a']],
])('%s', (_what, edges, cycle) => {
  expect(findCycle(graph(edges))).toEqual(cycle);
});

test('a long chain of 5,000 resources has no cycle and does not overflow the stack', () => {
  const edges: Record<string, string[]> = {};
  for (let i = 0; i < 5000; i++) edges[`r${i}`] = i + 1 < 5000 ? [`r${i + 1}`] : [];
  expect(findCycle(graph(edges))).toBeNull();
});
