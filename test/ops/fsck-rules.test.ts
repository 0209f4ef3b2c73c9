// The rules heater fsck applies to a repository's refs, on snapshots built here (no git).
import type { RefEntry, RefSnapshot } from '../../src/git/refs';
import { markProblems, versionTagProblems } from '../../src/ops/fsck';

const C1 = '1'.repeat(40);
const C2 = '2'.repeat(40);
const ref = (name: string, over: Partial<RefEntry> = {}): RefEntry => ({ name, oid: over.commit ?? C1, commit: C1, tree: 't'.repeat(40), annotated: false, created: '', author: '', subject: '', ...over });
const snapshot = (tags: RefEntry[], notes: RefEntry[] = []): RefSnapshot => ({
  tags: new Map(tags.map((t) => [t.name, t])), branches: new Map(), versionNotes: new Map(notes.map((n) => [n.name, n])), defaultBranch: 'main', updated: '',
});
const state = (deprecated: unknown, yanked: unknown = null) => JSON.stringify({ deprecated, yanked });

test.each([
  ['versions and labels on commits', [ref('v1.0.0'), ref('1.1.0'), ref('stable'), ref('v2.0.0-rc.1')], []],
  ['v1.2.0 and 1.2.0 on one commit', [ref('v1.2.0'), ref('1.2.0')], []],
  ['a version on a tree', [ref('v1.0.0', { commit: '', oid: C2 })], [/^version tag v1\.0\.0 points at 2{40}, which is not a commit/]],
  ['v1.2.0 and 1.2.0 on different commits', [ref('1.2.0'), ref('v1.2.0', { commit: C2 })], [/^version tags 1\.2\.0 and v1\.2\.0 name different commits/]],
  ['a number semver cannot hold', [ref('v1.0.99999999999999999')], [/^tag v1\.0\.99999999999999999: .* not a usable version/]],
])('version tags: %s', (_what, tags, expected) => {
  expect(versionTagProblems(snapshot(tags))).toEqual(expected.map((m) => expect.stringMatching(m)));
});

test.each([
  ['a deprecation and a yank', [ref('1.0.0', { annotated: true, subject: state({ message: 'old', by: 'a', at: 'now' }) }), ref('1.1.0', { annotated: true, subject: state(null, { message: 'bad' }) })], []],
  ['a mark on a commit, not a tag object', [ref('1.0.0')], [/^refs\/heater\/versions\/1\.0\.0 points at a commit/]],
  ['a message that is not the state', [ref('1.0.0', { annotated: true, subject: '{"deprecated": true' }), ref('1.1.0', { annotated: true, subject: '{"deprecated": {"message": 1}, "yanked": null}' })], [/1\.0\.0: its message is not readable/, /1\.1\.0: its message is not readable/]],
  ['a mark of a version without a tag', [ref('3.0.0', { annotated: true, subject: state(null, { message: 'x' }) })], [/^refs\/heater\/versions\/3\.0\.0 marks version 3\.0\.0, which has no tag$/]],
  ['a mark not named by a normalised version', [ref('v1.0.0', { annotated: true, subject: state(null) })], [/"v1\.0\.0" is not a normalised version/]],
])('marks: %s', (_what, notes, expected) => {
  const tags = [ref('v1.0.0'), ref('1.1.0')];
  expect(markProblems(snapshot(tags, notes))).toEqual(expected.map((m) => expect.stringMatching(m)));
});
