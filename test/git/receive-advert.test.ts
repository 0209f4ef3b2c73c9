// GET info/refs?service=git-receive-pack made from the ref snapshot in memory: byte for byte what git itself sends, over many repo states.
import { execFile } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, waitFor, waitNoGitChildren, watchGitSpawns, type TestServer } from '../helpers/server';
import { WorkRepo, clientEnv, gitOk, hotTemplate, runGit } from '../helpers/git-client';

let server: TestServer;
let work: WorkRepo;
// every git the server starts, by its arguments: tells an answer from memory from one git made
const spawned: string[][] = [];

beforeAll(async () => {
  server = await startServer();
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) });
  watchGitSpawns((args) => { spawned.push([...args]); });
});
afterAll(async () => {
  jest.restoreAllMocks();
  await work.cleanup();
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

const PREAMBLE = '001f# service=git-receive-pack\n0000';
const auth = () => ({ Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` });
const gitDir = (id: string) => path.join(server.reposDir, `${id}.git`);
const inRepo = (id: string, args: string[]) => gitOk(['--git-dir', gitDir(id), ...args]);

/** What git itself advertises for the repo, run as Heater runs it (its -c options, no user config). */
function gitAdvert(id: string, protocol?: string): Promise<Buffer> {
  const env = { ...clientEnv(), GIT_HTTP_EXPORT_ALL: '1', ...(protocol ? { GIT_PROTOCOL: protocol } : {}) };
  const args = ['-c', 'transfer.hideRefs=refs/heater', '-c', 'receive.autogc=false', 'receive-pack', '--stateless-rpc', '--http-backend-info-refs', gitDir(id)];
  return new Promise((resolve, reject) => execFile('git', args, { env, encoding: 'buffer' }, (e, out) => (e ? reject(e) : resolve(out))));
}

/** Heater's advertisement, its preamble checked and taken off, and whether git was run to make it. */
async function heaterAdvert(id: string, protocol?: string): Promise<{ body: Buffer; fromGit: boolean }> {
  const before = spawned.length;
  const res = await fetch(`${server.url}/${id}.git/info/refs?service=git-receive-pack`, { headers: { ...auth(), ...(protocol ? { 'Git-Protocol': protocol } : {}) } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-git-receive-pack-advertisement');
  expect(res.headers.get('cache-control')).toBe('no-cache, max-age=0, must-revalidate');
  const all = Buffer.from(await res.arrayBuffer());
  expect(all.subarray(0, PREAMBLE.length).toString('latin1')).toBe(PREAMBLE);
  // the advertisement's git, not the receive-pack started for the push it announces (receive-prestart.ts)
  const fromGit = spawned.slice(before).some((a) => a.includes('receive-pack') && a.includes('--http-backend-info-refs'));
  return { body: all.subarray(PREAMBLE.length), fromGit };
}

/** Asks until Heater answers from memory (each answer, from git or not, equal to git's); returns the last. */
async function expectFromMemory(id: string, protocol?: string): Promise<string> {
  let last = '';
  const fromMemory = await waitFor(async () => {
    const [mine, theirs] = [await heaterAdvert(id, protocol), await gitAdvert(id, protocol)];
    expect(mine.body.toString('latin1')).toBe(theirs.toString('latin1'));
    last = mine.body.toString('latin1');
    return !mine.fromGit;
  }, 10_000); // a loaded machine: git is asked until the refs are read and its capabilities learnt
  expect(fromMemory).toBe(true);
  return last;
}

/** Asks a few times: every answer is git's own, made by git. */
async function expectFromGit(id: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 4; i++) {
    const [mine, theirs] = [await heaterAdvert(id), await gitAdvert(id)];
    expect(mine.fromGit).toBe(true);
    expect(mine.body.toString('latin1')).toBe(theirs.toString('latin1'));
    last = mine.body.toString('latin1');
    await new Promise((r) => setTimeout(r, 30)); // past the ref cache's young-stamp window, so its snapshot is loaded
  }
  return last;
}

async function createEmpty(id: string): Promise<void> {
  const [namespace, name] = id.split('/');
  const res = await fetch(`${server.url}/api/v1/templates`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace, name }) });
  expect(res.status).toBe(201);
}

async function push(id: string, ...refs: string[]): Promise<void> {
  const r = await work.run(['push', `${server.authUrl}/${id}.git`, ...refs]);
  if (r.code !== 0) throw new Error(r.stderr);
}

test('an empty repository: capabilities^{} with the capabilities, from memory once git has been asked', async () => {
  await createEmpty('acme/empty');
  const body = await expectFromMemory('acme/empty');
  expect(body).toMatch(/^[0-9a-f]{4}0{40} capabilities\^\{\}\0report-status .*agent=git\/[^\n]*\n0000$/);
});

test('branches, hundreds of tags with slashes, packed and loose refs, deletes, Heater state and pushes', async () => {
  const id = 'acme/many';
  await push(id, 'main', 'main:refs/heads/feature/x', 'main:refs/heads/a-b');
  await expectFromMemory(id);

  // 300 tags, lightweight and annotated, names whose byte order is not their order by parts ("a-b" < "a/b" < "a0")
  const main = (await inRepo(id, ['rev-parse', 'main'])).trim();
  const creates = Array.from({ length: 300 }, (_, i) => `create refs/tags/label-${String(i).padStart(3, '0')} ${main}\n`).join('');
  expect((await runGit(['--git-dir', gitDir(id), 'update-ref', '--stdin'], { input: creates })).code).toBe(0);
  for (const name of ['team/a/b', 'team-a', 'team.a', 'team0', 'Team', '_x', 'rc/1.0/final']) await inRepo(id, ['tag', '-a', '-m', name, name, 'main']);
  const manyTags = await expectFromMemory(id);
  expect(manyTags.split('\n').length).toBeGreaterThan(310);

  await inRepo(id, ['pack-refs', '--all']);
  await expectFromMemory(id);
  await inRepo(id, ['tag', 'loose/one', 'main']);
  await inRepo(id, ['update-ref', 'refs/heads/feature/x', 'main']);
  await expectFromMemory(id);

  await inRepo(id, ['update-ref', '-d', 'refs/tags/label-007']); // packed
  await inRepo(id, ['update-ref', '-d', 'refs/tags/loose/one']); // loose
  expect(await expectFromMemory(id)).not.toContain('label-007');

  await inRepo(id, ['update-ref', 'refs/heater/versions/1.0.0', main]);
  await inRepo(id, ['update-ref', 'refs/heater/other/x', main]);
  expect(await expectFromMemory(id)).not.toContain('refs/heater');

  await work.commit({ 'template.yaml': hotTemplate(2) });
  await work.tag('v1.1.0');
  await push(id, 'main', 'v1.1.0');
  const pushed = await expectFromMemory(id);
  expect(pushed).toContain(`${(await work.git(['rev-parse', 'v1.1.0'])).trim()} refs/tags/v1.1.0\n`);

  // behind the server's back: the next answer already has it (the ref cache's stat checks), and so does the one from memory
  await inRepo(id, ['tag', 'behind-the-back', 'main']);
  expect((await heaterAdvert(id)).body.toString('latin1')).toContain('refs/tags/behind-the-back');
  await expectFromMemory(id);
  await inRepo(id, ['update-ref', '-d', 'refs/tags/behind-the-back']);
  expect((await heaterAdvert(id)).body.toString('latin1')).not.toContain('refs/tags/behind-the-back');
  await expectFromMemory(id);
});

test('hideRefs in the repo config are applied as receive-pack applies them, and a config change is seen', async () => {
  const id = 'acme/hidden';
  await push(id, 'main', 'main:refs/heads/secret/one', 'main:refs/heads/secret/keep', 'main:refs/heads/label-01', 'main:refs/heads/label-010');
  await expectFromMemory(id);
  await inRepo(id, ['config', '--add', 'receive.hideRefs', 'refs/heads/label-01/']);
  await inRepo(id, ['config', '--add', 'transfer.hideRefs', 'refs/heads/secret']);
  // after the line above in the file (both in [transfer]): the last pattern that matches decides
  await inRepo(id, ['config', '--add', 'transfer.hideRefs', '!^refs/heads/secret/keep']);
  const body = await expectFromMemory(id);
  expect(body).not.toMatch(/ refs\/heads\/label-01[\0\n]/);
  expect(body).toMatch(/ refs\/heads\/label-010[\0\n]/);
  expect(body).not.toContain('secret/one');
  expect(body).toContain('secret/keep');
});

test('Git-Protocol: version=1 gets the "version 1" line first, from memory too', async () => {
  const id = 'acme/v1';
  await push(id, 'main');
  expect(await expectFromMemory(id, 'version=1')).toMatch(/^000eversion 1\n/);
  expect(await expectFromMemory(id)).not.toContain('version 1');
});

test.each([
  ['a symbolic ref under refs/heads', (id: string) => inRepo(id, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/main'])],
  ['refs outside refs/heads and refs/tags', (id: string) => inRepo(id, ['update-ref', 'refs/notes/commits', 'main'])],
  ['a packed ref outside them', (id: string) => inRepo(id, ['update-ref', 'refs/heaterx/y', 'main']).then(() => inRepo(id, ['pack-refs', '--all']))],
  ['alternates (their refs are .have lines)', async (id: string) => {
    await push('acme/lender', 'main:refs/heads/lent');
    await writeFile(path.join(gitDir(id), 'objects/info/alternates'), `${path.join(gitDir('acme/lender'), 'objects')}\n`);
  }],
  ['a shallow file', async (id: string) => writeFile(path.join(gitDir(id), 'shallow'), `${(await inRepo(id, ['rev-parse', 'main'])).trim()}\n`)],
  ['a config include', async (id: string) => {
    await mkdir(path.join(gitDir(id), 'extra'), { recursive: true });
    await writeFile(path.join(gitDir(id), 'extra/config'), '[receive]\n\thideRefs = refs/heads/main\n');
    await appendFile(path.join(gitDir(id), 'config'), '[include]\n\tpath = extra/config\n');
  }],
])('%s: git makes every advertisement', async (what, change) => {
  const id = `acme/odd-${what.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`;
  await push(id, 'main', 'main:refs/heads/other');
  await expectFromMemory(id);
  await change(id);
  await expectFromGit(id);
});

test.each([
  ['receive.certNonceSeed', 'sekrit', /push-cert=\d+-[0-9a-f]+ /],
  ['transfer.advertiseSID', 'true', /session-id=\S+ /],
])('%s (a capability that differs from one git to the next): git makes every advertisement', async (key, value, capability) => {
  const id = `acme/${key.replace('.', '-').toLowerCase()}`;
  await push(id, 'main');
  await expectFromMemory(id);
  await inRepo(id, ['config', key, value]);
  for (let i = 0; i < 3; i++) {
    const mine = await heaterAdvert(id);
    expect(mine.fromGit).toBe(true);
    expect(mine.body.toString('latin1')).toMatch(capability);
    await new Promise((r) => setTimeout(r, 30));
  }
});

test('a push after advertisements from memory works end to end, and push-to-create still advertises an empty repo', async () => {
  const id = 'acme/e2e';
  const created = await heaterAdvert(id);
  expect(created.fromGit).toBe(true);
  expect(created.body.toString('latin1')).toMatch(/^[0-9a-f]{4}0{40} capabilities\^\{\}\0/);
  await push(id, 'main');
  await expectFromMemory(id);
  await work.commit({ 'template.yaml': hotTemplate(3) });
  await work.tag('v1.2.0');
  await push(id, 'main', 'v1.2.0');
  expect(await expectFromMemory(id)).toContain('refs/tags/v1.2.0');
  const ls = await gitOk(['ls-remote', `${server.url}/${id}.git`]);
  expect(ls).toContain('refs/tags/v1.2.0');
});
