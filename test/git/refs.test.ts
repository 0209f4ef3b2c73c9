// refValues read from the ref files agree with git's for-each-ref: loose, packed, absent, and the cases left to git.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { refValues } from '../../src/git/refs';
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
