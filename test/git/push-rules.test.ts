// Version rules at push time: immutability, v-prefix twins, refs outside heads/tags, concurrency, broken and cut pushes.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, runGit, hotTemplate } from '../helpers/git-client';

let server: TestServer;
let seq = 0;
const repos: WorkRepo[] = [];

beforeAll(async () => { server = await startServer(); });
afterAll(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

/** A fresh template with v1.0.0 and a label `stable` pushed; returns the work repo, its remote and commits. */
async function published(): Promise<{ w: WorkRepo; remote: string; name: string; c1: string; c2: string }> {
  const name = `rules-${++seq}`;
  const w = await WorkRepo.create();
  repos.push(w);
  const c1 = await w.commit({ 'template.yaml': hotTemplate(1) }, 'one');
  await w.tag('v1.0.0');
  await w.tag('stable', { lightweight: true });
  const c2 = await w.commit({ 'template.yaml': hotTemplate(2) }, 'two');
  const remote = `${server.authUrl}/acme/${name}.git`;
  const r = await w.run(['push', remote, 'main', 'v1.0.0', 'stable']);
  if (r.code !== 0) throw new Error(r.stderr);
  return { w, remote, name, c1, c2 };
}

const lsRemote = (name: string) => gitOk(['ls-remote', `${server.url}/acme/${name}.git`]);

test('moving a published version is refused with a remote: message, and nothing moves', async () => {
  const { w, remote, name, c1 } = await published();
  const before = await lsRemote(name);
  await w.tag('v1.0.0', { force: true });
  const r = await w.run(['push', '--force', remote, 'main', 'v1.0.0']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`remote: heater: v1.0.0: version 1.0.0 of acme/${name} is published at ${c1.slice(0, 12)} and cannot be moved`);
  expect(r.stderr).toContain('[remote rejected] v1.0.0 -> v1.0.0 (pre-receive hook declined)');
  expect(await lsRemote(name)).toBe(before);
});

test('deleting a published version is refused', async () => {
  const { w, remote, name } = await published();
  const r = await w.run(['push', remote, ':refs/tags/v1.0.0']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('cannot be deleted; versions are immutable');
  expect(await lsRemote(name)).toContain('refs/tags/v1.0.0');
});

test('pushing a version again to the same commit is fine', async () => {
  const { w, remote } = await published();
  const r = await w.run(['push', remote, 'v1.0.0']);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('Everything up-to-date');
});

test('labels move and disappear at a writer\'s push', async () => {
  const { w, remote, name, c2 } = await published();
  await w.tag('stable', { lightweight: true, force: true });
  expect((await w.run(['push', '--force', remote, 'main', 'stable'])).code).toBe(0);
  expect(await lsRemote(name)).toContain(`${c2}\trefs/tags/stable`);
  expect((await w.run(['push', remote, ':refs/tags/stable'])).code).toBe(0);
  expect(await lsRemote(name)).not.toContain('refs/tags/stable');
});

test('v1.0.0 and 1.0.0 on different commits are refused; on the same commit they are one version', async () => {
  const { w, remote, name, c1 } = await published();
  await w.tag('1.0.0', { lightweight: true });
  const r = await w.run(['push', remote, 'main', '1.0.0']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('1.0.0: version 1.0.0 of acme/');
  expect(r.stderr).toContain('already exists as v1.0.0');
  await w.tag('1.0.0', { lightweight: true, force: true, at: c1 });
  expect((await w.run(['push', remote, '1.0.0'])).code).toBe(0);
  const versions = await (await fetch(`${server.url}/api/v1/templates/acme/${name}/versions`)).json() as { versions: { version: string }[] };
  expect(versions.versions.map((v) => v.version)).toEqual(['1.0.0']);
});

test('twins created in one push must agree too', async () => {
  const { w, remote } = await published();
  await w.tag('v2.0.0');
  const other = await w.commit({ 'x.txt': 'x' }, 'three');
  await w.tag('2.0.0', { at: other });
  const r = await w.run(['push', remote, 'main', 'v2.0.0', '2.0.0']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/v?2\.0\.0 name the same version and must point at the same commit/);
});

test('a version tag must point at a commit', async () => {
  const { w, remote } = await published();
  const tree = (await w.git(['rev-parse', 'HEAD^{tree}'])).trim();
  await w.git(['tag', '-a', '-m', 'a tree', 'v3.0.0', tree]);
  const r = await w.run(['push', remote, 'v3.0.0']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('v3.0.0: a version tag must point at a commit');
});

test.each([['refs/notes/commits'], ['refs/pull/1/head'], ['refs/heater/state']])('pushing %s is refused', async (ref) => {
  const { w, remote, name } = await published();
  const before = await lsRemote(name);
  const r = await w.run(['push', remote, `HEAD:${ref}`]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/Heater accepts branches|deny updating a hidden ref/);
  expect(await lsRemote(name)).toBe(before);
});

test('a push straight into the bare repo on disk, bypassing the server, is refused (the hook fails closed)', async () => {
  const { w, name } = await published();
  await w.tag('v9.0.0');
  const r = await w.run(['push', `file://${path.join(server.reposDir, 'acme', `${name}.git`)}`, 'v9.0.0']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('only accepts pushes through the Heater server');
});

test('two clients pushing different tags at once: both land', async () => {
  const { name } = await published();
  const a = await WorkRepo.create();
  const b = await WorkRepo.create();
  repos.push(a, b);
  const remote = `${server.authUrl}/acme/${name}.git`;
  for (const x of [a, b]) await x.git(['pull', '-q', remote, 'main']);
  await a.commit({ 'a.txt': 'a' }, 'a');
  await a.tag('v1.1.0');
  await b.commit({ 'b.txt': 'b' }, 'b');
  await b.tag('v1.2.0');
  const [ra, rb] = await Promise.all([a.run(['push', remote, 'v1.1.0']), b.run(['push', remote, 'v1.2.0'])]);
  expect([ra.code, rb.code]).toEqual([0, 0]);
  const refs = await lsRemote(name);
  expect(refs).toContain('refs/tags/v1.1.0');
  expect(refs).toContain('refs/tags/v1.2.0');
});

test('two clients pushing the same new version to different commits: exactly one lands, the other is told why', async () => {
  const { name } = await published();
  const remote = `${server.authUrl}/acme/${name}.git`;
  const clients = await Promise.all([WorkRepo.create(), WorkRepo.create(), WorkRepo.create()]);
  repos.push(...clients);
  const commits: string[] = [];
  for (const [i, c] of clients.entries()) {
    commits.push(await c.commit({ 'template.yaml': hotTemplate(100 + i) }, `candidate ${i}`));
    await c.tag('v5.0.0');
  }
  const results = await Promise.all(clients.map((c) => c.run(['push', remote, 'v5.0.0'])));
  expect(results.filter((r) => r.code === 0)).toHaveLength(1);
  for (const r of results.filter((x) => x.code !== 0)) expect(r.stderr).toMatch(/version 5\.0\.0 of acme\/\S+ already exists|reference already exists/);
  const winner = commits[results.findIndex((r) => r.code === 0)];
  const body = await (await fetch(`${server.url}/api/v1/templates/acme/${name}/versions/5.0.0`)).json() as { commit: string };
  expect(body.commit).toBe(winner);
});

/** Starts a receive-pack POST by hand: the command for `ref`, then `packBytes` of pack; returns the request. */
function rawPush(name: string, ref: string, newOid: string, packBytes: Buffer): http.ClientRequest {
  const u = new URL(server.url);
  const cmd = `${'0'.repeat(40)} ${newOid} ${ref}\0report-status\n`;
  const req = http.request({
    host: u.hostname, port: u.port, method: 'POST', path: `/acme/${name}.git/git-receive-pack`,
    headers: { 'Content-Type': 'application/x-git-receive-pack-request', Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` },
  });
  req.on('error', () => { /* we cut it ourselves */ });
  req.write(`${(cmd.length + 4).toString(16).padStart(4, '0')}${cmd}0000`);
  req.write(packBytes);
  return req;
}

test('a client killed mid-push leaves the repository exactly as it was, fsck clean, no quarantine left', async () => {
  const { name } = await published();
  const gitDir = path.join(server.reposDir, 'acme', `${name}.git`);
  const before = await lsRemote(name);
  const header = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0x27, 0x10])]); // v2, 10,000 objects promised
  const req = rawPush(name, 'refs/tags/v7.0.0', 'a'.repeat(40), Buffer.concat([header, Buffer.alloc(64 * 1024, 0x55)]));
  await new Promise((r) => setTimeout(r, 300));
  req.destroy();
  expect(await waitNoGitChildren(5000, true)).toEqual([]); // cat-file readers of the server stay, by design
  expect(await lsRemote(name)).toBe(before);
  expect((await runGit(['--git-dir', gitDir, 'fsck', '--strict'])).code).toBe(0);
  expect(fs.readdirSync(path.join(gitDir, 'objects')).filter((d) => d.startsWith('incoming-') || d.startsWith('tmp_'))).toEqual([]);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});

test('a corrupt pack is refused and changes nothing', async () => {
  const { name } = await published();
  const before = await lsRemote(name);
  const bad = Buffer.concat([Buffer.from('PACK'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1]), Buffer.from('this is not zlib data at all, not at all'), Buffer.alloc(20, 1)]);
  const req = rawPush(name, 'refs/tags/v8.0.0', 'b'.repeat(40), bad);
  const res = await new Promise<{ status: number; body: string }>((resolve) => {
    req.on('response', (r) => { let body = ''; r.on('data', (d: Buffer) => { body += d.toString('latin1'); }); r.on('end', () => resolve({ status: r.statusCode ?? 0, body })); });
    req.end();
  });
  expect(res.status).toBe(200); // git's verdict travels in report-status, as with http-backend
  expect(res.body).toMatch(/unpack (?!ok)/);
  expect(res.body).toContain('ng refs/tags/v8.0.0');
  expect(await lsRemote(name)).toBe(before);
});

test('a refused push-to-create leaves no template behind', async () => {
  const w = await WorkRepo.create();
  repos.push(w);
  await w.commit({ 'x.txt': 'x' }, 'x');
  const r = await w.run(['push', `${server.authUrl}/acme/never-made.git`, 'HEAD:refs/notes/nope']);
  expect(r.code).not.toBe(0);
  await new Promise((res) => setTimeout(res, 200));
  expect(fs.existsSync(path.join(server.reposDir, 'acme', 'never-made.git'))).toBe(false);
  expect((await fetch(`${server.url}/api/v1/templates/acme/never-made`)).status).toBe(404);
});

test('a refused push-to-create racing a good one to the same new template does not take the good one down', async () => {
  for (let round = 0; round < 3; round++) {
    const name = `race-create-${round}`;
    const good = await WorkRepo.create();
    const bad = await WorkRepo.create();
    repos.push(good, bad);
    await good.commit({ 'template.yaml': hotTemplate(round) }, 'good');
    await good.tag('v1.0.0');
    await bad.commit({ 'x.txt': 'x' }, 'bad');
    const remote = `${server.authUrl}/acme/${name}.git`;
    const [g, b] = await Promise.all([
      good.run(['-c', 'http.postBuffer=1024', 'push', remote, 'main', 'v1.0.0']),
      bad.run(['push', remote, 'HEAD:refs/notes/nope']),
    ]);
    expect(g.code).toBe(0);
    expect(b.code).not.toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await lsRemote(name)).toContain('refs/tags/v1.0.0');
  }
});

test('a 4-byte receive-pack body that is not the 0000 probe is a 400', async () => {
  const res = await fetch(`${server.url}/acme/anything.git/git-receive-pack`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-git-receive-pack-request', Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` },
    body: 'PACK',
  });
  expect(res.status).toBe(400);
  expect(fs.existsSync(path.join(server.reposDir, 'acme', 'anything.git'))).toBe(false);
});

test('a branch whose head would not validate is pushed with warnings; the same commit as a version is refused', async () => {
  const w = await WorkRepo.create();
  repos.push(w);
  await w.commit({ 'template.yaml': `${hotTemplate(1)}  extra: { get_resource: nowhere }\n` }, 'wip');
  const remote = `${server.authUrl}/acme/wip.git`;
  const branch = await w.run(['push', remote, 'HEAD:refs/heads/wip']);
  expect(branch.code).toBe(0);
  expect(branch.stderr).toMatch(/remote: heater: warning: refs\/heads\/wip at [0-9a-f]{12} would not validate as a version \(1 problem, 2 warnings\):/);
  expect(branch.stderr).toMatch(/remote: heater: {3}template\.yaml:\d+:\d+: .*\[hot-/);
  await w.tag('v0.1.0');
  const version = await w.run(['push', remote, 'v0.1.0']);
  expect(version.code).not.toBe(0);
  expect(version.stderr).toContain('v0.1.0: version 0.1.0 does not validate (1 problem, 2 warnings), so it is not published:');
  expect(await lsRemote('wip')).not.toContain('v0.1.0');
});

describe('problems of one commit are listed once, however many refs point at it', () => {
  const bad = `${hotTemplate(1)}  extra: { get_resource: nowhere }\n`;
  /** The remote: lines of a push, without the prefix. */
  const remoteLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('remote: heater: ')).map((l) => l.slice('remote: heater: '.length).trimEnd());

  test('main and v1.0.0 at the same bad commit: the tag lists the problems, the branch refers to them', async () => {
    const w = await WorkRepo.create();
    repos.push(w);
    const commit = await w.commit({ 'template.yaml': bad }, 'broken');
    await w.tag('v1.0.0');
    const r = await w.run(['push', `${server.authUrl}/acme/once.git`, 'main', 'v1.0.0']);
    expect(r.code).not.toBe(0);
    const lines = remoteLines(r.stderr);
    const problems = lines.filter((l) => /^ {2}template\.yaml:\d+:\d+: /.test(l));
    expect(problems).toHaveLength(3);
    expect(new Set(problems).size).toBe(3);
    expect(lines).toEqual([
      'v1.0.0: version 1.0.0 does not validate (1 problem, 2 warnings), so it is not published:',
      ...problems,
      `warning: refs/heads/main at ${commit.slice(0, 12)} would not validate as a version either (the 1 problem, 2 warnings listed for v1.0.0 above).`,
    ]);
  });

  test('two versions and two branches at one bad commit: listed under the first version only', async () => {
    const w = await WorkRepo.create();
    repos.push(w);
    await w.commit({ 'template.yaml': bad }, 'broken');
    await w.tag('v1.0.0');
    await w.tag('v2.0.0');
    const r = await w.run(['push', `${server.authUrl}/acme/twice.git`, 'main', 'HEAD:refs/heads/wip', 'v1.0.0', 'v2.0.0']);
    expect(r.code).not.toBe(0);
    const lines = remoteLines(r.stderr);
    expect(lines.filter((l) => /^ {2}template\.yaml:/.test(l))).toHaveLength(3);
    expect(lines).toContain('v2.0.0: version 2.0.0 does not validate either (the 1 problem, 2 warnings listed for v1.0.0 above), so it is not published.');
    expect(lines.filter((l) => /^warning: refs\/heads\/(main|wip) at [0-9a-f]{12} would not validate as a version either \(the 1 problem, 2 warnings listed for v1\.0\.0 above\)\.$/.test(l))).toHaveLength(2);
  });

  test('two branches at one bad commit without a version: listed under the first, the second refers to it', async () => {
    const w = await WorkRepo.create();
    repos.push(w);
    await w.commit({ 'template.yaml': bad }, 'broken');
    const r = await w.run(['push', `${server.authUrl}/acme/branches.git`, 'main', 'HEAD:refs/heads/wip']);
    expect(r.code).toBe(0);
    const lines = remoteLines(r.stderr);
    expect(lines.filter((l) => /^ {2}template\.yaml:/.test(l))).toHaveLength(3);
    expect(lines.filter((l) => /would not validate as a version either \(the 1 problem, 2 warnings listed for refs\/heads\/(main|wip) above\)\.$/.test(l))).toHaveLength(1);
  });
});
