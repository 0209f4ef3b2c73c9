// Which pairs of versions are precomputed: each version against the one just below it, a release also against the release below.
import { consecutivePairs, pairsTouching, type VersionSide } from '../../src/diff/diff-precompute';

/** Versions as the index lists them, highest first (commit and tree named after the version). */
const versions = (...vs: string[]): VersionSide[] => vs.map((version) => ({ version, commit: `c${version}`, tree: `t${version}` }));
const names = (pairs: [VersionSide, VersionSide][]) => pairs.map(([a, b]) => `${a.version}>${b.version}`);

test.each([
  [[], []],
  [['1.0.0'], []],
  [['2.0.0', '1.1.0', '1.0.0'], ['1.0.0>1.1.0', '1.1.0>2.0.0']],
  // a release is compared with the prerelease below it and with the release below it (the changelog's "previous")
  [['2.0.0', '2.0.0-rc.2', '2.0.0-rc.1', '1.0.0'], ['1.0.0>2.0.0-rc.1', '2.0.0-rc.1>2.0.0-rc.2', '2.0.0-rc.2>2.0.0', '1.0.0>2.0.0']],
])('consecutivePairs(%j) is %j', (vs, pairs) => {
  expect(names(consecutivePairs(versions(...vs)))).toEqual(pairs);
});

test.each([
  // a version inserted between two: it against the one below, the one above against it
  [['2.0.0', '1.5.0', '1.0.0'], ['1.5.0'], ['1.0.0>1.5.0', '1.5.0>2.0.0']],
  // a new highest version: only its own pair
  [['1.2.0', '1.1.0', '1.0.0'], ['1.2.0'], ['1.1.0>1.2.0']],
  // a version deleted: the pair that now spans it
  [['2.0.0', '1.0.0'], ['1.5.0'], ['1.0.0>2.0.0']],
  // a prerelease inserted under a release: the release's pair with the release below spans it too
  [['2.0.0', '1.5.0-rc.1', '1.0.0'], ['1.5.0-rc.1'], ['1.0.0>1.5.0-rc.1', '1.5.0-rc.1>2.0.0', '1.0.0>2.0.0']],
])('pairsTouching(%j, %j) is %j', (vs, touched, pairs) => {
  expect(names(pairsTouching(versions(...vs), new Set(touched)))).toEqual(pairs);
});
