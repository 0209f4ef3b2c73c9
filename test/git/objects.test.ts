// ObjectReader.listTree through the cat-file reader lists a tree as `git ls-tree -r -l` does: same files, order, modes and sizes.
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { CatFilePool } from '../../src/git/catfile-pool';
import { ObjectReader, type TreeFile } from '../../src/git/objects';
import { WorkRepo, gitOk } from '../helpers/git-client';

let w: WorkRepo;
let pool: CatFilePool;
beforeEach(async () => {
  w = await WorkRepo.create();
  pool = new CatFilePool(4);
});
afterEach(async () => {
  pool.close();
  await w.cleanup();
});

/** What `git ls-tree -r -l -z --full-tree` says of `tree`, in its order. */
async function lsTree(gitDir: string, tree: string): Promise<TreeFile[]> {
  const out = await gitOk(['--git-dir', gitDir, 'ls-tree', '-r', '-l', '-z', '--full-tree', tree]);
  return out.split('\0').filter(Boolean).map((rec) => {
    const tab = rec.indexOf('\t');
    const [mode = '', , oid = '', size = '0'] = rec.slice(0, tab).split(/ +/);
    return { path: rec.slice(tab + 1), mode, oid, size: size === '-' ? 0 : Number(size) };
  });
}

test.each([
  ['a template with folders, a symlink, an executable, a submodule and odd names', 10],
  ['a tree too large to walk (listed by ls-tree)', 600],
])('%s', async (_what, extra) => {
  const files: Record<string, string> = { 'template.yaml': 'heat_template_version: 2021-04-16\n', 'a.txt': 'a', 'a/b.yaml': 'b: 1\n', 'a-b/c.txt': 'c', 'ü mlaut/é.md': 'x', 'z/y/x/w.txt': '' };
  for (let i = 0; i < extra; i++) files[`many/f${i}.txt`] = `${i}`;
  await w.commit(files);
  await symlink('a.txt', path.join(w.dir, 'link'));
  await w.git(['update-index', '--add', '--cacheinfo', `160000,${(await w.git(['rev-parse', 'HEAD'])).trim()},sub`]);
  await w.git(['add', 'link']);
  await w.git(['commit', '-q', '-m', 'more']);
  await gitOk(['-C', w.dir, 'update-index', '--chmod=+x', 'a.txt']);
  await w.git(['commit', '-q', '-m', 'exec']);
  const gitDir = path.join(w.dir, '.git');
  const tree = (await w.git(['rev-parse', 'HEAD^{tree}'])).trim();
  const listed = await new ObjectReader(pool, 1 << 20).listTree(gitDir, tree);
  const want = await lsTree(gitDir, tree);
  expect([...listed.values()]).toEqual(want);
  expect([...listed.keys()]).toEqual(want.map((f) => f.path));
  expect(want.map((f) => f.mode)).toEqual(expect.arrayContaining(['100644', '100755', '120000', '160000']));
});
