// Version steps and required bumps: the rules enforce applies.
import { SemVer } from 'semver';
import { bumpSuffices, compatibility, versionBump } from '../../src/diff/compat';

test.each([
  ['1.2.3', '2.0.0', 'major'], ['1.2.3', '1.3.0', 'minor'], ['1.2.3', '1.2.4', 'patch'], ['1.2.3', '1.2.3', 'none'], ['1.2.3', '1.0.0', 'none'],
  ['0.2.1', '0.3.0', 'major'], ['0.2.1', '0.2.2', 'minor'], ['0.0.1', '0.0.2', 'major'], ['0.9.0', '1.0.0', 'major'],
  ['2.0.0-rc.1', '2.0.0-rc.2', 'major'], ['1.9.0', '2.0.0-rc.1', 'major'],
])('%s -> %s is a %s step', (from, to, bump) => {
  expect(versionBump(new SemVer(from), new SemVer(to))).toBe(bump);
});

test('a step suffices when it is at least the bump the changes need', () => {
  expect(bumpSuffices('major', 'minor')).toBe(true);
  expect(bumpSuffices('patch', 'patch')).toBe(true);
  expect(bumpSuffices('minor', 'major')).toBe(false);
  expect(bumpSuffices('none', 'patch')).toBe(false);
  expect(bumpSuffices('none', 'none')).toBe(true);
});

test('a Heat template that disappears, stops being Heat, or appears; other YAML does not count', () => {
  const hot = 'heat_template_version: 2021-04-16\nresources: {}\n';
  // c.yaml shares no line with a.yaml, so it is not a.yaml moved (an identical c.yaml would be: see moved-template.test.ts)
  const other = 'heat_template_version: 2018-08-31\nparameters:\n  size: {type: number, default: 1}\n';
  const c = compatibility(new Map([['a.yaml', hot], ['b.yaml', hot], ['conf.yaml', 'x: 1\n']]), new Map([['b.yaml', 'x: 1\n'], ['c.yaml', other], ['conf.yaml', 'x: 2\n']]));
  expect(c.changes.map((x) => [x.file, x.change])).toEqual([['a.yaml', 'template-removed'], ['b.yaml', 'template-no-longer-heat'], ['c.yaml', 'template-added']]);
  expect(c).toMatchObject({ required: 'major', breaking: true });
});

test('a value made circular by a recursive YAML alias is left out of the change, which stays JSON', () => {
  const before = 'heat_template_version: 2021-04-16\nparameters:\n  p: {type: json, default: {x: 1}}\nresources: {}\n';
  const after = 'heat_template_version: 2021-04-16\nparameters:\n  p: {type: json, default: &d {x: [*d]}}\nresources: {}\n';
  const c = compatibility(new Map([['t.yaml', before]]), new Map([['t.yaml', after]]));
  expect(c.changes.map((x) => x.change)).toEqual(['parameter-default-changed']);
  expect(() => JSON.stringify(c)).not.toThrow();
  expect(c.changes[0]?.detail).toContain('parameter p');
});
