// QuarantineReader: a push's loose objects read while quarantined, and each commit, tree or tag read once per check.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { CatFilePool } from '../../src/git/catfile-pool';
import { QuarantineReader } from '../../src/git/quarantine';
import { gitOk, runGit, tempDir } from '../helpers/git-client';

let dir: string;
let gitDir: string;
let quarantine: string;
let pool: CatFilePool;
beforeEach(async () => {
  dir = await tempDir('heater-quarantine-');
  gitDir = path.join(dir, 'r.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
  // as receive-pack lays it out: new objects in a folder of objects/, the repo's own as an alternate
  quarantine = path.join(gitDir, 'objects', 'tmp_objdir-incoming-test');
  await mkdir(quarantine);
  pool = new CatFilePool(2);
});
afterEach(async () => {
  pool.close();
  await rm(dir, { recursive: true, force: true });
});

test('a commit and its tree are read from the quarantine once per check; blobs are read each time', async () => {
  const env = { GIT_DIR: gitDir, GIT_OBJECT_DIRECTORY: quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(gitDir, 'objects') };
  const made = await runGit(['hash-object', '-w', '--stdin'], { env, input: 'heat_template_version: 2021-04-16\n' });
  expect(made.code).toBe(0);
  const blob = made.stdout.trim();
  const index = path.join(dir, 'index');
  await gitOk(['update-index', '--add', '--cacheinfo', `100644,${blob},template.yaml`], { env: { ...env, GIT_INDEX_FILE: index } });
  const root = (await gitOk(['write-tree'], { env: { ...env, GIT_INDEX_FILE: index } })).trim();
  const commit = (await gitOk(['commit-tree', root, '-m', 'one'], { env })).trim();
  const loose = (oid: string) => path.join(quarantine, oid.slice(0, 2), oid.slice(2));
  const reader = new QuarantineReader(gitDir, { GIT_QUARANTINE_PATH: quarantine, GIT_OBJECT_DIRECTORY: quarantine }, pool);
  try {
    expect(await reader.treeOf(commit)).toBe(root);
    expect((await reader.listTree(root)).map((f) => f.path)).toEqual(['template.yaml']);
    expect((await reader.read(blob))?.type).toBe('blob');
    // gone from disk: the commit and the tree come from what this check read, the blob does not
    for (const oid of [commit, root, blob]) await rm(loose(oid));
    expect(await reader.treeOf(commit)).toBe(root);
    expect((await reader.listTree(root)).map((f) => f.oid)).toEqual([blob]);
    expect(await reader.read(blob)).toBeNull();
    // a body larger than asked for is still left out, from memory as from disk
    expect(await reader.read(commit, 4)).toEqual({ type: 'commit', size: expect.any(Number) as number, body: Buffer.alloc(0) });
  } finally {
    reader.close();
  }
  // a new check reads from the sources again
  const fresh = new QuarantineReader(gitDir, { GIT_QUARANTINE_PATH: quarantine, GIT_OBJECT_DIRECTORY: quarantine }, pool);
  try {
    expect(await fresh.treeOf(commit)).toBe('');
  } finally {
    fresh.close();
  }
});
