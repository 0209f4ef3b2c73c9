// AnswerCache: bounded in bytes, second-chance eviction, answers that no longer hold dropped.
import { AnswerCache, type CachedAnswer } from '../../src/http/answer-cache';

const answer = (bytes: number, isCurrent: () => boolean = () => true): CachedAnswer => ({
  status: 200, headers: ['X-Request-Id', '', 'Content-Length', String(bytes)], notModified: ['X-Request-Id', ''],
  body: Buffer.alloc(bytes), etag: null, route: '/r', template: undefined, isCurrent,
});

test('the bytes held never pass the budget; the least recently used goes first, a used one gets a second chance', () => {
  const c = new AnswerCache(10_000, 4000);
  for (const k of ['a', 'b', 'c']) c.set(k, answer(2000));
  expect(c.get('a')).toBeDefined(); // used: survives the next eviction
  c.set('d', answer(2000));
  c.set('e', answer(2000));
  expect(c.bytes).toBeLessThanOrEqual(10_000);
  expect(c.get('b')).toBeUndefined();
  expect(c.get('a')).toBeDefined();
  expect(c.get('e')).toBeDefined();
});

test('an answer over the per-entry bound is not kept, nor any with a zero budget', () => {
  const c = new AnswerCache(10_000, 4000);
  c.set('big', answer(5000));
  expect(c.get('big')).toBeUndefined();
  expect(c.size).toBe(0);
  const off = new AnswerCache(0);
  off.set('x', answer(10));
  expect(off.get('x')).toBeUndefined();
});

test('an answer whose sources changed is a miss and is dropped', () => {
  let current = true;
  const c = new AnswerCache(10_000);
  c.set('x', answer(100, () => current));
  expect(c.get('x')).toBeDefined();
  current = false;
  expect(c.get('x')).toBeUndefined();
  expect(c.size).toBe(0);
  expect(c.bytes).toBe(0);
  expect([c.hits, c.misses]).toEqual([1, 1]);
});

test('replacing an answer under the same URL keeps the byte count right', () => {
  const c = new AnswerCache(100_000);
  c.set('x', answer(1000));
  const once = c.bytes;
  c.set('x', answer(1000));
  expect(c.bytes).toBe(once);
  c.clear();
  expect([c.size, c.bytes]).toEqual([0, 0]);
});
