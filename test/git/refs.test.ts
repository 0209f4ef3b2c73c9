// Refs read without git agree with git: refValues (loose, packed, absent, the cases left to git) and RefCache reading only what changed.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RefCache, readRefs, refValues } from '../../src/git/refs';
import { plainLayoutOf, readRefsSince } from '../../src/git/direct-reader';
import { dirStamp } from '../../src/git/refs-stamp';
import { gitOk, tempDir } from '../helpers/git-client';

let dir: string;
let gitDir: string;
beforeEach(async () => {
  dir = await tempDir('heater-refs-');
  gitDir = path.join(dir, 'r.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

/** What `git for-each-ref` says each ref is ('' for none). */
async function gitSays(refs: readonly string[]): Promise<Map<string, string>> {
  const out = new Map(refs.map((r) => [r, '']));
  for (const line of (await gitOk(['--git-dir', gitDir, 'for-each-ref', '--format=%(refname) %(objectname)'])).split('\n')) {
    const [name = '', oid = ''] = line.split(' ');
    if (out.has(name)) out.set(name, oid);
  }
  return out;
}

test('loose, packed, packed then moved loose, and absent refs read as git reads them', async () => {
  const env = { GIT_DIR: gitDir };
  const tree = (await gitOk(['mktree'], { env })).trim();
  const commit = async (m: string) => (await gitOk(['commit-tree', tree, '-m', m], { env })).trim();
  const [a, b, c] = [await commit('a'), await commit('b'), await commit('c')];
  await gitOk(['update-ref', 'refs/tags/v1.0.0', a], { env });
  await gitOk(['update-ref', 'refs/heads/main', a], { env });
  await gitOk(['pack-refs', '--all'], { env });
  await gitOk(['update-ref', 'refs/heads/main', b], { env }); // now loose over the packed value
  await gitOk(['update-ref', 'refs/tags/team/v2.0.0', c], { env });
  const refs = ['refs/tags/v1.0.0', 'refs/heads/main', 'refs/tags/team/v2.0.0', 'refs/tags/v9.9.9', 'refs/heads/main/below-a-file'];
  const found = await refValues(gitDir, refs);
  expect(found).toEqual(await gitSays(refs));
  expect([...found.values()]).toEqual([a, b, c, '', '']);
});

test.each([
  ['a symbolic ref', 'refs/heads/alias', 'ref: refs/heads/main\n'],
  ['a name with ..', 'refs/heads/../../HEAD', ''],
])('%s is left to git', async (_what, ref, content) => {
  const env = { GIT_DIR: gitDir };
  const tree = (await gitOk(['mktree'], { env })).trim();
  const a = (await gitOk(['commit-tree', tree, '-m', 'a'], { env })).trim();
  await gitOk(['update-ref', 'refs/heads/main', a], { env });
  if (content) await writeFile(path.join(gitDir, ref), content);
  expect(await refValues(gitDir, [ref, 'refs/heads/main'])).toEqual(await gitSays([ref, 'refs/heads/main']));
});

describe('RefCache with readRefsSince', () => {
  const env = () => ({ GIT_DIR: gitDir, GIT_COMMITTER_DATE: '2026-02-03T04:05:06Z' });
  const commit = async (m: string) => {
    const tree = (await gitOk(['mktree'], { env: env() })).trim();
    return (await gitOk(['commit-tree', tree, '-m', m], { env: env() })).trim();
  };
  const tag = (name: string, target: string) => gitOk(['tag', '-a', '-m', `release ${name}`, name, target], { env: env() });

  test('after a push-like change it reads what for-each-ref reads, and keeps the entries of refs that did not move', async () => {
    const a = await commit('a');
    await gitOk(['update-ref', 'refs/heads/main', a], { env: env() });
    for (const v of ['v1.0.0', 'v1.1.0', 'team/v2.0.0']) await tag(v, a);
    await gitOk(['pack-refs', '--all'], { env: env() });
    const cache = new RefCache(16, readRefsSince);
    const before = await cache.get(gitDir);
    expect(before).toEqual(await readRefs(gitDir));
    const b = await commit('b');
    await gitOk(['update-ref', 'refs/heads/main', b], { env: env() });
    await tag('v1.2.0', b);
    await gitOk(['tag', '-d', 'v1.1.0'], { env: env() });
    cache.invalidate(gitDir);
    const after = await cache.get(gitDir);
    expect(after).toEqual(await readRefs(gitDir));
    expect([...after.tags.keys()].sort()).toEqual(['team/v2.0.0', 'v1.0.0', 'v1.2.0']);
    expect(after.tags.get('v1.0.0')).toBe(before.tags.get('v1.0.0'));
    expect(after.branches.get('main')?.commit).toBe(b);
  });

  test('what the in-process reader does not understand (a symbolic ref) is read by git', async () => {
    const a = await commit('a');
    await gitOk(['update-ref', 'refs/heads/main', a], { env: env() });
    const cache = new RefCache(16, readRefsSince);
    await cache.get(gitDir);
    await writeFile(path.join(gitDir, 'refs', 'heads', 'alias'), 'ref: refs/heads/main\n');
    cache.invalidate(gitDir);
    expect(await cache.get(gitDir)).toEqual(await readRefs(gitDir));
  });

  // receive-advert.ts trusts this instead of reading every loose ref again on a push's clock
  test.each<[string, (a: string) => Promise<unknown>]>([
    ['a ref outside heads and tags', (a) => gitOk(['update-ref', 'refs/notes/commits', a], { env: env() })],
    ['a packed ref outside heads and tags', async (a) => {
      await gitOk(['update-ref', 'refs/pull/1/head', a], { env: env() });
      await gitOk(['pack-refs', '--all'], { env: env() });
      await rm(path.join(gitDir, 'refs', 'pull'), { recursive: true, force: true }); // packed-refs alone names it
    }],
    ['a symbolic link under refs/heads', () => symlink('main', path.join(gitDir, 'refs', 'heads', 'link'))],
    ['a loose tag with more than an id and a newline', (a) => writeFile(path.join(gitDir, 'refs', 'tags', 'v9.0.0'), `${a}  \n`)],
  ])('plainLayoutOf: the stamp of refs/ for a plain repo read in-process; none after %s', async (_what, spoil) => {
    const a = await commit('a');
    await gitOk(['update-ref', 'refs/heads/main', a], { env: env() });
    await tag('v1.0.0', a);
    await mkdir(path.join(gitDir, 'refs', 'heater', 'versions'), { recursive: true });
    await writeFile(path.join(gitDir, 'refs', 'heater', 'versions', '1.0.0'), `${a}  \n`); // hidden from the wire: not judged
    const known = await readRefs(gitDir);
    expect(plainLayoutOf(known)).toBeUndefined(); // read by git: nothing said
    const plain = readRefsSince(gitDir, known);
    expect(plainLayoutOf(plain)).toBe(dirStamp(gitDir, 'refs'));
    expect(dirStamp(gitDir, 'refs')).not.toBe('');
    await spoil(a);
    const after = readRefsSince(gitDir, known); // still read in-process: the refs are what git reads too
    expect(after).toEqual(await readRefs(gitDir));
    expect(plainLayoutOf(after)).toBeUndefined();
  });
});
