// `heater fsck` through the built entry point, on real repositories damaged the ways a data directory gets damaged.
import { chmod, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RepoStore, parseTemplateId } from '../../src/git/store';
import type { FsckReport } from '../../src/ops/fsck';
import { CliUser } from '../helpers/cli';
import { WorkRepo, gitOk, hotTemplate, tempDir } from '../helpers/git-client';
import { startServer, waitNoGitChildren } from '../helpers/server';

let dir: string;
let store: RepoStore;
let work: WorkRepo;
let user: CliUser;
const TEMPLATES = ['acme/broken', 'acme/gone', 'acme/hookless', 'acme/ok', 'acme/stale', 'acme/tags'];

const heater = (...args: string[]) => user.run([...args, '--repos', dir]);
const report = async (...args: string[]): Promise<{ code: number; body: FsckReport }> => {
  const r = await heater('fsck', '--json', ...args);
  return { code: r.code, body: JSON.parse(r.stdout) as FsckReport };
};
const gitDir = (id: string) => path.join(dir, `${id}.git`);
/** The problems as "template check" pairs, with whether each was repaired. */
const seen = (r: FsckReport) => r.problems.map((p) => `${p.template ?? '-'} ${p.check}${p.repaired ? ' repaired' : ''}`);

beforeAll(async () => {
  dir = await tempDir('heater-fsck-');
  store = new RepoStore(dir);
  await store.init();
  user = CliUser.create();
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  await work.commit({ 'template.yaml': hotTemplate(2) });
  await work.tag('v1.1.0');
  await work.tag('stable', { lightweight: true });
  for (const id of TEMPLATES) {
    const [ns = '', name = ''] = id.split('/');
    const g = await store.create(parseTemplateId(ns, name));
    // fetch leaves a small pack's objects loose (fetch.unpackLimit), so one can be damaged below
    await gitOk(['--git-dir', g, 'fetch', '-q', work.dir, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  }
  expect((await heater('reindex')).code).toBe(0);
});
afterAll(async () => {
  await work.cleanup();
  user.remove();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  expect(await waitNoGitChildren()).toEqual([]);
});

test('a sound data directory: exit 0, the count line, and an empty JSON report', async () => {
  const r = await heater('fsck');
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(`heater fsck: ${TEMPLATES.length} repositories checked, 0 problems found, 0 repaired, 0 left.\n`);
  expect(r.code).toBe(0);
  const j = await report();
  expect(j).toEqual({ code: 0, body: { repositories: TEMPLATES.length, problems: [], found: 0, repaired: 0, left: 0 } });
});

test('finds each damage; --repair fixes the hooks and the index and leaves the corrupt object (exit 1)', async () => {
  // a missing hook and a stale one
  await rm(path.join(gitDir('acme/hookless'), 'hooks', 'pre-receive'));
  await writeFile(path.join(gitDir('acme/stale'), 'hooks', 'pre-receive'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  // a corrupt loose object: the blob of the first template.yaml, overwritten
  const blob = (await gitOk(['--git-dir', gitDir('acme/broken'), 'rev-parse', 'v1.0.0:template.yaml'])).trim();
  const loose = path.join(gitDir('acme/broken'), 'objects', blob.slice(0, 2), blob.slice(2));
  expect(await readdir(path.dirname(loose))).toContain(blob.slice(2));
  await chmod(loose, 0o644);
  await writeFile(loose, 'not a zlib stream');
  // version tags on a tree and (annotated) on a blob, and a mark that is not a tag object
  const tags = gitDir('acme/tags');
  const tree = (await gitOk(['--git-dir', tags, 'rev-parse', 'v1.0.0^{tree}'])).trim();
  await gitOk(['--git-dir', tags, 'tag', 'v9.0.0', tree]);
  await gitOk(['--git-dir', tags, 'tag', '-a', '-m', 'a blob', 'v9.1.0', 'v1.0.0:template.yaml']);
  await gitOk(['--git-dir', tags, 'update-ref', 'refs/heater/versions/1.0.0', 'v1.0.0^{commit}']);
  // an index entry whose repository was deleted behind the server's back
  await rm(gitDir('acme/gone'), { recursive: true });

  const before = await report();
  expect(before.code).toBe(1);
  expect(seen(before.body)).toEqual(expect.arrayContaining([
    'acme/broken git', 'acme/gone index', 'acme/hookless hook', 'acme/stale hook', 'acme/tags mark', 'acme/tags version-tag',
  ]));
  expect(before.body.problems.filter((p) => p.check === 'version-tag').map((p) => p.message)).toEqual([
    expect.stringMatching(/^version tag v9\.0\.0 points at [0-9a-f]{40}, which is not a commit/),
    expect.stringMatching(/^version tag v9\.1\.0 points at [0-9a-f]{40}, which is not a commit/),
  ]);
  expect(before.body.problems.find((p) => p.check === 'git')?.message).toMatch(new RegExp(`git fsck exited \\d+: .*${blob}`));
  expect(before.body.problems.find((p) => p.check === 'mark')?.message).toMatch(/refs\/heater\/versions\/1\.0\.0 points at a commit/);
  expect(before.body.repaired).toBe(0);
  expect(before.body.left).toBe(before.body.found);
  // the plain report: a line per problem, then the count
  const plain = await heater('fsck');
  expect(plain.code).toBe(1);
  const lines = plain.stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(before.body.found + 1);
  expect(lines).toContain('heater fsck: acme/hookless: hook: hooks/pre-receive is missing: pushes are not checked (--repair fixes it)');
  expect(lines.at(-1)).toBe(`heater fsck: ${TEMPLATES.length - 1} repositories checked, ${before.body.found} problems found, 0 repaired, ${before.body.found} left.`);

  const repaired = await report('--repair');
  expect(repaired.code).toBe(1);
  expect(seen(repaired.body)).toEqual(expect.arrayContaining(['acme/gone index repaired', 'acme/hookless hook repaired', 'acme/stale hook repaired', 'acme/broken git']));
  expect(repaired.body.problems.filter((p) => p.repaired).every((p) => p.repairable)).toBe(true);

  // what is left is what --repair never touches: the object store, the tags and the marks
  const after = await report();
  expect(after.code).toBe(1);
  expect(seen(after.body).filter((s) => !s.startsWith('acme/broken '))).toEqual(['acme/tags mark', 'acme/tags version-tag', 'acme/tags version-tag']);
  expect(seen(after.body)).toContain('acme/broken git');
  expect(after.body.repaired).toBe(0);
  await expect(readdir(path.dirname(loose))).resolves.toContain(blob.slice(2));
});

test.each([
  [['--nope'], /unknown option "--nope".*\nUsage: heater fsck/s],
  [['--repos', '/nonexistent/heater-fsck'], /there is no data directory/],
])('heater fsck %j is exit 2', async (args, message) => {
  const r = await user.run(['fsck', ...args]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message);
});

test.each([['fsck'], ['backup'], ['restore']])('heater %s --help is the usage and exit 0; backup and restore without a DIR are exit 2', async (verb) => {
  const help = await user.run([verb, '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(new RegExp(`Usage:[\\s\\S]*heater ${verb}`));
  if (verb === 'fsck') return;
  const bare = await user.run([verb, '--repos', dir]);
  expect(bare.code).toBe(2);
  expect(bare.stderr).toMatch(new RegExp(`^heater ${verb}: give one backup folder DIR\\.`));
});

test('beside a running server: --repair reinstalls a hook and indexes a repository copied in, and the server answers from the repaired index', async () => {
  const server = await startServer();
  try {
    await gitOk(['push', '-q', `${server.authUrl}/acme/live.git`, 'main', '--tags'], { cwd: work.dir });
    const live = path.join(server.reposDir, 'acme', 'live.git');
    await rm(path.join(live, 'hooks', 'pre-receive'));
    // copied in behind the server's back: on disk, not in its index
    await gitOk(['clone', '-q', '--bare', live, path.join(server.reposDir, 'acme', 'copied.git')]);
    const listed = async () => ((await (await fetch(`${server.url}/api/v1/templates`)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(await listed()).toEqual(['acme/live']);
    const r = await user.run(['fsck', '--repair', '--json', '--repos', server.reposDir]);
    const j = JSON.parse(r.stdout) as FsckReport;
    expect(seen(j)).toEqual(['acme/copied hook repaired', 'acme/copied index repaired', 'acme/live hook repaired']);
    expect(r.code).toBe(0);
    expect(await listed()).toEqual(['acme/copied', 'acme/live']);
    // pushes are still checked: a version cannot be moved
    await work.commit({ 'template.yaml': hotTemplate(9) });
    await work.tag('v1.0.0', { force: true });
    const moved = await work.run(['push', '-f', `${server.authUrl}/acme/live.git`, 'refs/tags/v1.0.0']);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toMatch(/remote: .*v1\.0\.0/);
    expect((await user.run(['fsck', '--repos', server.reposDir])).code).toBe(0);
  } finally {
    await server.close();
  }
});
