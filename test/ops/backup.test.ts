// `heater backup` beside a running server and a push, `heater restore` into a fresh data directory: the restored server answers as the original.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { CliUser } from '../helpers/cli';
import { WorkRepo, gitOk, hotTemplate, tempDir } from '../helpers/git-client';
import type { BackupManifest } from '../../src/ops/backup-manifest';

let original: TestServer;
let restored: TestServer | undefined;
let adminToken = '';
let work: WorkRepo;
let user: CliUser;
let scratch: string;
const tokens: Record<string, string> = {};
const links: { live: string; revoked: string } = { live: '', revoked: '' };
const TEMPLATES = ['acme/web', 'vault/db'];

const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
const call = async (base: string, method: string, p: string, body?: unknown, token = adminToken) => {
  const res = await fetch(`${base}/api/v1${p}`, { method, headers: bearer(token), body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return res;
};
const remote = (s: TestServer, id: string) => `${s.url.replace('//', `//x:${adminToken}@`)}/${id}.git`;
/** Every ref on disk, refs/heater/* included (hidden from clones), as `oid ref` lines. */
const refsOnDisk = (s: TestServer, id: string) => gitOk(['--git-dir', path.join(s.reposDir, `${id}.git`), 'for-each-ref', '--format=%(objectname) %(refname)']);

beforeAll(async () => {
  user = CliUser.create();
  scratch = await tempDir('heater-backup-');
  // a generated admin token, so its hash file is part of what is backed up
  original = await startServer({ adminToken: '' }, { announceToken: (t) => { adminToken = t; } });
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) }, 'one');
  await work.tag('v1.0.0');
  await work.commit({ 'template.yaml': hotTemplate(2), 'scripts/install.sh': '#!/bin/sh\necho hi\n' }, 'two');
  await work.tag('v1.1.0');
  await work.tag('stable', { lightweight: true });
  await work.commit({ 'template.yaml': hotTemplate(3) }, 'three');
  await work.tag('v2.0.0-rc.1');
  for (const id of [...TEMPLATES, 'acme/busy']) await gitOk(['push', '-q', remote(original, id), 'main', '--tags'], { cwd: work.dir });
  for (const id of TEMPLATES) {
    await call(original.url, 'PUT', `/templates/${id}/labels/known-good`, { ref: '1.0.0' });
    await call(original.url, 'POST', `/templates/${id}/versions/1.0.0/deprecate`, { message: 'use 1.1' });
    await call(original.url, 'POST', `/templates/${id}/versions/2.0.0-rc.1/yank`, { reason: 'broken' });
  }
  await call(original.url, 'PATCH', '/namespaces/vault', { anonymousRead: false });
  for (const [name, scopes] of [['ci', ['write:acme']], ['reader', ['read:vault']], ['gone', ['read']]] as const) {
    tokens[name] = ((await (await call(original.url, 'POST', '/tokens', { name, scopes })).json()) as { token: string }).token;
  }
  await call(original.url, 'DELETE', '/tokens/gone');
  const link = async () => (await (await call(original.url, 'POST', '/templates/vault/db/links', { version: '1.1.0', expires: '24h' })).json()) as { id: string; url: string };
  const live = await link();
  const revoked = await link();
  await call(original.url, 'DELETE', `/templates/vault/db/links/${revoked.id}`);
  links.live = live.url.slice(original.url.length);
  links.revoked = revoked.url.slice(original.url.length);
});
afterAll(async () => {
  await restored?.close();
  await original.close();
  await work.cleanup();
  user.remove();
  await rm(scratch, { recursive: true, force: true });
});
afterEach(async () => {
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('a backup taken during a push restores to a server that answers exactly as the original', async () => {
  const before = await refsOnDisk(original, 'acme/busy');
  await work.commit({ 'template.yaml': hotTemplate(4) }, 'four');
  await work.tag('v1.2.0');
  const bk = path.join(scratch, 'backup');
  const [pushed, backedUp] = await Promise.all([
    gitOk(['push', '-q', remote(original, 'acme/busy'), 'main', '--tags'], { cwd: work.dir }),
    user.run(['backup', bk, '--repos', original.reposDir]),
  ]);
  expect(pushed).toBe('');
  expect(backedUp.stderr).toBe('');
  expect(backedUp.stdout).toMatch(/^heater backup: 3 repositories \(\d+ refs\) and \d+ state files of .* in .*\n$/);
  expect(backedUp.code).toBe(0);
  const after = await refsOnDisk(original, 'acme/busy');
  expect(after).not.toBe(before);

  // a backup never lands in a folder that holds something, nor a restore
  await mkdir(path.join(scratch, 'full'));
  await writeFile(path.join(scratch, 'full', 'x'), 'x');
  for (const verb of ['backup', 'restore']) {
    const r = await user.run([verb, verb === 'backup' ? path.join(scratch, 'full') : bk, '--repos', verb === 'backup' ? original.reposDir : path.join(scratch, 'full')]);
    expect({ verb, code: r.code, stderr: r.stderr }).toEqual({ verb, code: 2, stderr: expect.stringMatching(/is not empty/) });
  }

  const target = path.join(scratch, 'restored');
  const r = await user.run(['restore', bk, '--repos', target]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^heater restore: 3 repositories and \d+ state files from .* into .*; the catalog index is built at the server's next start\.\n$/);
  expect(r.code).toBe(0);
  const manifest = JSON.parse(await readFile(path.join(bk, 'backup.json'), 'utf8')) as BackupManifest;
  expect(manifest.state.map((s) => s.file)).toEqual(expect.arrayContaining(['admin-token', 'tokens.json', 'link-secret', 'revoked-links.json', 'audit.log', 'namespaces/vault.json']));
  expect(manifest.repositories.map((m) => m.template)).toEqual(['acme/busy', 'acme/web', 'vault/db']);
  let announced = false;
  restored = await startServer({ adminToken: '' }, { reposDir: target, announceToken: () => { announced = true; } });
  expect(announced).toBe(false); // the admin token's hash came back with the rest

  // the repository a push landed in during the backup: the state before it or after it, never a mix
  expect([before, after]).toContain(await refsOnDisk(restored, 'acme/busy'));
  for (const id of TEMPLATES) {
    expect(await refsOnDisk(restored, id)).toBe(await refsOnDisk(original, id));
    // the creation time is heater.created in the config, kept; the description file too
    const about = async (s: TestServer) => { const j = (await (await call(s.url, 'GET', `/templates/${id}`)).json()) as Record<string, unknown>; return [j.created, j.description, j.latestVersion, j.labels]; };
    expect(await about(restored)).toEqual(await about(original));
    const lsRemote = async (s: TestServer) => gitOk(['ls-remote', remote(s, id)]);
    expect(await lsRemote(restored)).toBe(await lsRemote(original));
    const versions = async (s: TestServer) => (await call(s.url, 'GET', `/templates/${id}/versions`)).json() as Promise<{ versions: { version: string; deprecated: unknown; yanked: unknown }[] }>;
    const listed = await versions(original);
    expect(listed.versions.map((v) => [v.version, v.deprecated !== null, v.yanked !== null])).toEqual([['2.0.0-rc.1', false, true], ['1.1.0', false, false], ['1.0.0', true, false]]);
    expect(await versions(restored)).toEqual(listed);
    for (const ref of ['stable', 'known-good', 'latest', '^1.0.0', ...listed.versions.map((v) => v.version)]) {
      const at = async (s: TestServer) => (await call(s.url, 'GET', `/templates/${id}/versions/${encodeURIComponent(ref)}`)).json();
      expect({ ref, answer: await at(restored) }).toEqual({ ref, answer: await at(original) });
      for (const file of ['template.yaml', 'scripts/install.sh']) {
        const bytes = async (s: TestServer) => {
          const res = await fetch(`${s.url}/api/v1/templates/${id}/versions/${encodeURIComponent(ref)}/files/${file}`, { headers: bearer(adminToken) });
          return `${res.status} ${Buffer.from(await res.arrayBuffer()).toString('base64')}`;
        };
        expect({ ref, file, got: await bytes(restored) }).toEqual({ ref, file, got: await bytes(original) });
      }
    }
  }

  // every token, the admin's too, is who it was; the revoked one stays revoked; the private namespace stays private
  for (const token of [adminToken, ...Object.values(tokens)]) {
    const whoami = async (s: TestServer) => {
      const res = await fetch(`${s.url}/api/v1/whoami`, { headers: bearer(token) });
      return { status: res.status, body: await res.text() };
    };
    expect(await whoami(restored)).toEqual(await whoami(original));
  }
  expect((await fetch(`${restored.url}/api/v1/whoami`, { headers: bearer(tokens.gone ?? '') })).status).toBe(401);
  expect((await fetch(`${restored.url}/api/v1/whoami`, { headers: bearer(tokens.reader ?? '') })).status).toBe(200);
  expect((await fetch(`${restored.url}/api/v1/templates/vault/db`)).status).toBe(404);
  expect((await fetch(`${restored.url}/api/v1/templates/vault/db`, { headers: bearer(tokens.reader ?? '') })).status).toBe(200);
  // read links: signed with the restored secret, checked against the restored revocations
  for (const [kind, p] of Object.entries(links)) {
    const get = async (s: TestServer) => { const res = await fetch(`${s.url}${p}`); return `${res.status} ${await res.text()}`; };
    expect({ kind, got: await get(restored) }).toEqual({ kind, got: await get(original) });
  }
  expect((await fetch(`${restored.url}${links.live}`)).status).toBe(200);
  expect((await fetch(`${restored.url}${links.revoked}`)).status).not.toBe(200);

  // both data directories pass fsck, the original's while its server runs
  for (const s of [original, restored]) {
    const check = await user.run(['fsck', '--repos', s.reposDir]);
    expect({ dir: s.reposDir, stdout: check.stdout, code: check.code }).toEqual({ dir: s.reposDir, stdout: 'heater fsck: 3 repositories checked, 0 problems found, 0 repaired, 0 left.\n', code: 0 });
  }
});

test('a restore checks the backup against its manifest: a bundle replaced is exit 1, a folder that is no backup exit 2', async () => {
  const bk = path.join(scratch, 'second');
  expect((await user.run(['backup', bk, '--repos', original.reposDir])).code).toBe(0);
  // the bundle of acme/web swapped for acme/busy's: refs that are not the ones listed
  const bundle = (id: string) => path.join(bk, 'repos', id, 'refs.bundle');
  await writeFile(bundle('acme/web'), await readFile(bundle('acme/busy')));
  const bad = await user.run(['restore', bk, '--repos', path.join(scratch, 'bad-target')]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/acme\/web: the refs restored .* are not the refs the manifest lists/);
  const none = await user.run(['restore', scratch, '--repos', path.join(scratch, 'other-target')]);
  expect(none.code).toBe(2);
  expect(none.stderr).toMatch(/is not a Heater backup/);
  // a manifest whose entries are not entries: refused as no manifest, never a stack trace
  for (const [i, manifest] of [{ format: 1, repositories: [{}], state: [] }, { format: 1, repositories: [], state: [{}] }, { format: 1, repositories: [null], state: [] }].entries()) {
    const broken = path.join(scratch, `broken-${i}`);
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'backup.json'), JSON.stringify(manifest));
    const r = await user.run(['restore', broken, '--repos', path.join(scratch, `broken-target-${i}`)]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^heater restore: .*is not a backup manifest of format 1\.\n$/) });
  }
});
