// Web sessions in memory: expiry by an injected clock, the bound, constant-time form checks.
import { MemoryWebSessions, sameSecret } from '../../src/auth/web-sessions';

test('a session lives its ttl, then is gone', () => {
  let now = 1_000;
  const store = new MemoryWebSessions(100, 10, () => now);
  const s = store.create('heater_token');
  expect(store.get(s.id)).toEqual(s);
  expect(s.id).toMatch(/^[\w-]{43}$/);
  expect(s.csrf).not.toBe(s.id);
  now += 99;
  expect(store.get(s.id)?.token).toBe('heater_token');
  now += 1;
  expect(store.get(s.id)).toBeUndefined();
});

test('past the bound the oldest session ends; destroy ends one', () => {
  const store = new MemoryWebSessions(60_000, 3);
  const [a, b, c] = [store.create('a'), store.create('b'), store.create('c')];
  const d = store.create('d');
  expect([a, b, c, d].map((s) => store.get(s.id)?.token)).toEqual([undefined, 'b', 'c', 'd']);
  store.destroy(c.id);
  expect(store.get(c.id)).toBeUndefined();
  expect(store.get('no-such-id')).toBeUndefined();
});

test.each([
  ['same', 'abc', 'abc', true],
  ['different', 'abd', 'abc', false],
  ['shorter', 'ab', 'abc', false],
  ['not a string', ['abc'], 'abc', false],
  ['missing', undefined, 'abc', false],
])('sameSecret: %s -> %s', (_what, presented, expected, ok) => {
  expect(sameSecret(presented, expected)).toBe(ok);
});
