// The git remote end to end: push-to-create, clone, fetch, ls-remote, shallow, partial, v0/v2, auth, isomorphic-git.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import fs from 'node:fs';
import * as iso from 'isomorphic-git';
import isoHttp from 'isomorphic-git/http/node';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, runGit, tempDir, hotTemplate } from '../helpers/git-client';

let server: TestServer;
let work: WorkRepo;
const commits: string[] = [];

beforeAll(async () => {
  server = await startServer();
  work = await WorkRepo.create();
  for (let i = 0; i < 5; i++) {
    commits.push(await work.commit({ 'template.yaml': hotTemplate(i), 'scripts/install.sh': `#!/bin/sh\necho ${i}\n` }, `release ${i}`));
    await work.tag(`v1.${i}.0`);
  }
  await work.tag('stable', { lightweight: true, at: commits[3] });
  const r = await work.run(['push', `${server.authUrl}/acme/web.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await work.cleanup();
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

const remote = () => `${server.url}/acme/web.git`;

test('push-to-create made a plain bare repository that stock git reads', async () => {
  const gitDir = path.join(server.reposDir, 'acme', 'web.git');
  expect(existsSync(path.join(gitDir, 'HEAD'))).toBe(true);
  const log = await gitOk(['--git-dir', gitDir, 'log', '--format=%s', 'main']);
  expect(log.trim().split('\n')).toEqual(['release 4', 'release 3', 'release 2', 'release 1', 'release 0']);
  expect((await runGit(['--git-dir', gitDir, 'fsck', '--strict'])).code).toBe(0);
  expect(fs.statSync(path.join(gitDir, 'hooks', 'pre-receive')).mode & 0o111).not.toBe(0);
});

test.each([['2'], ['0']])('clone over protocol v%s has every tag and commit', async (version) => {
  const dir = await tempDir();
  try {
    const r = await runGit(['-c', `protocol.version=${version}`, 'clone', '-q', remote(), dir], { env: { GIT_TRACE_PACKET: '1' } });
    expect(r.code).toBe(0);
    // the trace shows which protocol the server actually spoke
    if (version === '2') expect(r.stderr).toContain('version 2'); else expect(r.stderr).not.toContain('< version 2');
    expect((await gitOk(['tag'], { cwd: dir })).trim().split('\n').sort()).toEqual(['stable', 'v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0', 'v1.4.0']);
    expect((await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).trim()).toBe(commits[4]);
    expect(fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8')).toBe(hotTemplate(4));
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('shallow clone (--depth 1) gets one commit', async () => {
  const dir = await tempDir();
  try {
    await gitOk(['clone', '-q', '--depth', '1', remote(), dir]);
    expect((await gitOk(['rev-list', '--count', 'HEAD'], { cwd: dir })).trim()).toBe('1');
    await gitOk(['-c', 'protocol.version=0', 'fetch', '-q', '--deepen', '2'], { cwd: dir });
    expect((await gitOk(['rev-list', '--count', 'HEAD'], { cwd: dir })).trim()).toBe('3');
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('partial clone (--filter=blob:none) fetches blobs on demand', async () => {
  const dir = await tempDir();
  try {
    await gitOk(['clone', '-q', '--filter=blob:none', '--no-checkout', remote(), dir]);
    expect((await gitOk(['config', 'remote.origin.promisor'], { cwd: dir })).trim()).toBe('true');
    await gitOk(['checkout', '-q', 'v1.1.0'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8')).toBe(hotTemplate(1));
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('ls-remote lists branches and tags, peeled', async () => {
  const out = await gitOk(['ls-remote', remote()]);
  expect(out).toContain(`${commits[4]}\trefs/heads/main`);
  expect(out).toContain(`${commits[3]}\trefs/tags/stable`);
  expect(out).toContain(`${commits[2]}\trefs/tags/v1.2.0^{}`);
});

test('fetch brings only what is new; a no-op fetch is quiet', async () => {
  const dir = await tempDir();
  const other = await WorkRepo.create();
  try {
    await gitOk(['clone', '-q', remote(), dir]);
    await other.git(['pull', '-q', `${server.url}/acme/web.git`, 'main']);
    const next = await other.commit({ 'README.md': 'more\n' }, 'docs');
    expect((await other.run(['push', `${server.authUrl}/acme/web.git`, 'main'])).code).toBe(0);
    await gitOk(['fetch', '-q'], { cwd: dir });
    expect((await gitOk(['rev-parse', 'origin/main'], { cwd: dir })).trim()).toBe(next);
    const again = await runGit(['fetch'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  } finally {
    await other.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a clone of a repo with 150 tags sends a gzip body, which the server inflates', async () => {
  const many = await WorkRepo.create();
  const dir = await tempDir();
  try {
    for (let i = 0; i < 150; i++) { await many.commit({ 'f.txt': `${i}\n` }, `c${i}`); await many.tag(`v0.0.${i}`, { lightweight: true }); }
    expect((await many.run(['push', `${server.authUrl}/acme/many.git`, 'main', '--tags'])).code).toBe(0);
    const r = await runGit(['-c', 'protocol.version=0', 'clone', '-q', '--bare', `${server.url}/acme/many.git`, dir], { env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Content-Encoding: gzip/i);
    expect((await gitOk(['--git-dir', dir, 'tag'])).trim().split('\n')).toHaveLength(150);
  } finally {
    await many.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}, 120_000); // 300 git processes build the fixture: slow on a loaded machine, so a wider bound than jest's 30 s

test('a push larger than http.postBuffer arrives chunked after the 0000 probe and lands', async () => {
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'big.bin': Buffer.alloc(300_000, 7), 'template.yaml': hotTemplate(9) }, 'big');
    await w.tag('v0.1.0');
    const r = await w.run(['-c', 'http.postBuffer=4096', 'push', `${server.authUrl}/acme/chunked.git`, 'main', 'v0.1.0'], { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' });
    expect({ code: r.code, err: r.code === 0 ? '' : r.stderr.split('\n').filter((l) => !/^\d\d:\d\d:\d\d\.\d+ http\.c/.test(l)).join('\n') }).toEqual({ code: 0, err: '' });
    expect(r.stderr).toMatch(/Transfer-Encoding: chunked/i);
    const res = await fetch(`${server.url}/api/v1/templates/acme/chunked/versions/0.1.0/files/big.bin`);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.alloc(300_000, 7))).toBe(true);
  } finally { await w.cleanup(); }
});

test('pushing without a token gets 401 with a Basic challenge, so git prompts', async () => {
  const res = await fetch(`${server.url}/acme/web.git/info/refs?service=git-receive-pack`);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Basic realm="Heater"');
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  const r = await work.run(['push', remote(), 'main']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/could not read Username|Authentication failed/);
});

test('pushing with a wrong token gets 401 and changes nothing', async () => {
  const before = await gitOk(['ls-remote', remote()]);
  const u = new URL(server.url);
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'x.txt': 'x' }, 'x');
    const r = await w.run(['push', `http://x:wrong-token-123456@${u.host}/acme/web.git`, 'HEAD:refs/heads/intruder']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote: The token is not valid: it is unknown, revoked or mistyped\.\nfatal: Authentication failed/);
    expect(await gitOk(['ls-remote', remote()])).toBe(before);
  } finally { await w.cleanup(); }
});

test('reads are anonymous; a missing template is 404 to git', async () => {
  expect((await runGit(['ls-remote', remote()])).code).toBe(0);
  const r = await runGit(['ls-remote', `${server.url}/acme/nothing-here.git`]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/not found|404/i);
});

test('isomorphic-git clones and pushes as a second client', async () => {
  const dir = await tempDir();
  try {
    await iso.clone({ fs, http: isoHttp, dir, url: remote(), singleBranch: false });
    expect(fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8')).toBe(hotTemplate(4));
    expect((await iso.listTags({ fs, dir })).sort()).toContain('v1.4.0');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'from isomorphic-git\n');
    await iso.add({ fs, dir, filepath: 'notes.txt' });
    const oid = await iso.commit({ fs, dir, message: 'iso commit', author: { name: 'Iso', email: 'iso@example.com', timestamp: 1767322000, timezoneOffset: 0 } });
    await iso.branch({ fs, dir, ref: 'iso-branch' });
    let asked = 0;
    const res = await iso.push({ fs, http: isoHttp, dir, url: remote(), ref: 'iso-branch', onAuth: () => { asked++; return { username: 'x', password: server.token }; } });
    expect(res.ok).toBe(true);
    expect(asked).toBe(1);
    expect(await gitOk(['ls-remote', remote(), 'refs/heads/iso-branch'])).toContain(oid);
  } finally { await rm(dir, { recursive: true, force: true }); }
});
