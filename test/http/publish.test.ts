// Publishing without git (JSON and .tar.gz), labels over REST, deprecation and yanking, hostile uploads.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, runGit, tempDir, hotTemplate } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const auth = { Authorization: `Bearer ${TOKEN}` };
const api = (p: string) => `${server.url}/api/v1/templates${p}`;
const publish = (tpl: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(api(`/${tpl}/versions`), { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = Record<string, unknown>>(r: Response) => r.json() as Promise<T>;
const lsRemote = (tpl: string) => gitOk(['ls-remote', `${server.url}/${tpl}.git`]);

describe('JSON publish', () => {
  test('writes a commit on main (parent: the previous head) and an annotated tag, atomically; 201 with Location', async () => {
    const first = await publish('pub/web', { version: '1.0.0', message: 'First release', files: { 'template.yaml': hotTemplate(1), 'scripts/run.sh': { text: '#!/bin/sh\n', executable: true } } });
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe('/api/v1/templates/pub/web/versions/1.0.0');
    expect(await json(first)).toMatchObject({ template: 'pub/web', version: '1.0.0', tag: 'v1.0.0', author: 'admin', message: 'First release', deprecated: null, yanked: null });
    const second = await publish('pub/web', { version: '1.1.0', files: { 'template.yaml': hotTemplate(2), 'logo.png': { base64: Buffer.from([137, 80, 78, 71]).toString('base64') } } });
    expect(second.status).toBe(201);
    const gitDir = path.join(server.reposDir, 'pub', 'web.git');
    const log = (await gitOk(['--git-dir', gitDir, 'log', '--format=%an %s', 'main'])).trim().split('\n');
    expect(log).toEqual(['admin Release 1.1.0', 'admin First release']);
    expect((await gitOk(['--git-dir', gitDir, 'cat-file', '-t', 'v1.0.0'])).trim()).toBe('tag');
    expect(await gitOk(['--git-dir', gitDir, 'ls-tree', '-r', 'v1.0.0'])).toMatch(/^100755 blob \S+\tscripts\/run\.sh$/m);
    expect(await gitOk(['--git-dir', gitDir, 'ls-tree', '-r', 'v1.1.0'])).not.toContain('scripts/run.sh'); // a publish is the whole tree
    expect((await runGit(['--git-dir', gitDir, 'fsck', '--strict'])).code).toBe(0);
    const png = await fetch(api('/pub/web/versions/1.1.0/files/logo.png'));
    expect(Buffer.from(await png.arrayBuffer())).toEqual(Buffer.from([137, 80, 78, 71]));
    expect((await json<{ latestVersion: string }>(await fetch(api('/pub/web')))).latestVersion).toBe('1.1.0');
  });

  test('a version that does not validate is 422 with every problem, and nothing is written', async () => {
    await publish('pub/bad', { version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } });
    const before = await lsRemote('pub/bad');
    const res = await publish('pub/bad', { version: '2.0.0', files: { 'template.yaml': `${hotTemplate(1, true)}  broken: [\n`, 'other.yaml': 'heat_template_version: 2018-08-31\nresources: [\n' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json<{ code: string; problems: { file: string; rule: string; line?: number }[] }>(res);
    expect(body.code).toBe('validation-failed');
    expect(body.problems.map((p) => p.file).sort()).toEqual(expect.arrayContaining(['other.yaml', 'template.yaml']));
    expect(body.problems.every((p) => typeof p.rule === 'string')).toBe(true);
    expect(await lsRemote('pub/bad')).toBe(before);
  });

  test('publishing an existing version is 409, whichever form it was given in', async () => {
    expect((await publish('pub/dup', { version: '1.0.0', files: { 'a.txt': 'a' } })).status).toBe(201);
    for (const v of ['1.0.0', 'v1.0.0', '1.0.0+build.7']) {
      const res = await publish('pub/dup', { version: v, files: { 'a.txt': 'b' } });
      expect(res.status).toBe(409);
      expect((await json<{ code: string }>(res)).code).toBe('version-exists');
    }
  });

  test('two publishes of the same version at once: exactly one 201, the other 409', async () => {
    await publish('pub/race', { version: '0.1.0', files: { 'a.txt': 'base' } });
    const results = await Promise.all([1, 2, 3, 4].map((i) => publish('pub/race', { version: '1.0.0', files: { 'a.txt': `candidate ${i}` } })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const winner = await json<{ commit: string }>(results.find((r) => r.status === 201) as Response);
    expect((await json<{ commit: string }>(await fetch(api('/pub/race/versions/1.0.0')))).commit).toBe(winner.commit);
  });

  test('a publish and a git push of the same version at once: exactly one wins', async () => {
    await publish('pub/mixed', { version: '0.1.0', files: { 'template.yaml': hotTemplate(0) } });
    const w = await WorkRepo.create();
    try {
      await w.git(['pull', '-q', `${server.url}/pub/mixed.git`, 'main']);
      await w.commit({ 'template.yaml': hotTemplate(5) }, 'by git');
      await w.tag('v1.0.0');
      const [pushed, published] = await Promise.all([
        w.run(['push', `${server.authUrl}/pub/mixed.git`, 'v1.0.0']),
        publish('pub/mixed', { version: '1.0.0', files: { 'template.yaml': hotTemplate(6) } }),
      ]);
      expect([pushed.code === 0, published.status === 201].filter(Boolean)).toHaveLength(1);
      // refused by the server's check, or by git itself when the publish landed before the push read the refs
      if (pushed.code !== 0) expect(pushed.stderr).toMatch(/version 1\.0\.0 of pub\/mixed already exists|\[rejected\] +v1\.0\.0 -> v1\.0\.0 \(already exists\)/);
      else expect(published.status).toBe(409);
    } finally { await w.cleanup(); }
  });
});

describe('.tar.gz publish', () => {
  test('a tarball made by tar is published with its exec bits; folders are implied', async () => {
    const dir = await tempDir();
    try {
      fs.mkdirSync(path.join(dir, 'src', 'scripts'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', 'template.yaml'), hotTemplate(3, true));
      fs.writeFileSync(path.join(dir, 'src', 'scripts', 'install.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
      execFileSync('tar', ['-czf', path.join(dir, 't.tgz'), '-C', path.join(dir, 'src'), '.']);
      const res = await fetch(api('/pub/tar/versions?version=2.0.0&message=From%20a%20tarball'), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body: fs.readFileSync(path.join(dir, 't.tgz')) });
      expect(res.status).toBe(201);
      expect(await json(res)).toMatchObject({ version: '2.0.0', message: 'From a tarball' });
      const files = (await json<{ files: { path: string; mode: string }[] }>(await fetch(api('/pub/tar/versions/2.0.0')))).files;
      expect(files).toEqual([expect.objectContaining({ path: 'scripts/install.sh', mode: '100755' }), expect.objectContaining({ path: 'template.yaml', mode: '100644' })]);
    } finally { await rm(dir, { recursive: true, force: true }); }
  });

  /** A .tar.gz with one crafted entry, written by Python's tarfile (which will write what tar refuses to). */
  function craftedTar(kind: 'dotdot' | 'absolute' | 'symlink' | 'hardlink' | 'device'): Buffer {
    const script = `
import io, sys, tarfile
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    ok = tarfile.TarInfo("template.yaml"); data = b"a: 1\\n"; ok.size = len(data); t.addfile(ok, io.BytesIO(data))
    kind = sys.argv[1]
    if kind in ("dotdot", "absolute"):
        bad = tarfile.TarInfo("../evil.sh" if kind == "dotdot" else "/etc/evil"); bad.size = 1; t.addfile(bad, io.BytesIO(b"x"))
    else:
        bad = tarfile.TarInfo("link"); bad.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "device": tarfile.CHRTYPE}[kind]; bad.linkname = "/etc/passwd"; t.addfile(bad)
sys.stdout.buffer.write(buf.getvalue())
`;
    return execFileSync('python3', ['-c', script, kind]);
  }

  test.each([['dotdot', 400], ['absolute', 400], ['symlink', 400], ['hardlink', 400], ['device', 400]] as const)('a tarball with a %s entry is refused (%i), nothing written', async (kind, status) => {
    const res = await fetch(api(`/pub/hostile-${kind}/versions?version=1.0.0`), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body: new Uint8Array(craftedTar(kind)) });
    expect(res.status).toBe(status);
    expect((await json<{ detail: string }>(res)).detail.length).toBeGreaterThan(10);
    expect((await fetch(api(`/pub/hostile-${kind}/versions/1.0.0`))).status).toBe(404);
  });

  test('garbage that is not gzip is 400; a gzip bomb past the limit is 413', async () => {
    const notGz = await fetch(api('/pub/junk/versions?version=1.0.0'), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body: 'hello' });
    expect(notGz.status).toBe(400);
    const bomb = execFileSync('python3', ['-c', 'import gzip,sys; sys.stdout.buffer.write(gzip.compress(b"\\0" * (80 * 1024 * 1024), 1))']);
    const res = await fetch(api('/pub/junk/versions?version=1.0.0'), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body: bomb });
    expect(res.status).toBe(413);
  });
});

describe('bad publishes', () => {
  test.each([
    ['a ".." path', { version: '1.0.0', files: { '../x.yaml': 'a: 1' } }, 400],
    ['an absolute path', { version: '1.0.0', files: { '/etc/passwd': 'x' } }, 400],
    ['an empty segment', { version: '1.0.0', files: { 'a//b': 'x' } }, 400],
    ['a backslash', { version: '1.0.0', files: { 'a\\..\\b': 'x' } }, 400],
    ['a NUL', { version: '1.0.0', files: { 'a\u0000b': 'x' } }, 400],
    ['a .git folder', { version: '1.0.0', files: { '.git/config': 'x' } }, 400],
    ['a file that is also a folder', { version: '1.0.0', files: { a: 'x', 'a/b': 'y' } }, 400],
    ['bad base64', { version: '1.0.0', files: { a: { base64: '***' } } }, 400],
    ['both text and base64', { version: '1.0.0', files: { a: { text: 'x', base64: 'eA==' } } }, 400],
    ['no files', { version: '1.0.0', files: {} }, 400],
    ['files as a list', { version: '1.0.0', files: ['a'] }, 400],
    ['no version', { files: { a: 'x' } }, 400],
    ['a range for a version', { version: '^1.0', files: { a: 'x' } }, 400],
    ['a control character in the message', { version: '1.0.0', message: 'a\u0007', files: { a: 'x' } }, 400],
    ['an oversized file', { version: '1.0.0', files: { big: { base64: Buffer.alloc(17 * 1024 * 1024).toString('base64') } } }, 413],
  ])('%s is refused (%i) with a sentence, nothing written', async (_what, body, status) => {
    const res = await publish('pub/hostile', body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(fs.existsSync(path.join(server.reposDir, 'pub', 'hostile.git'))).toBe(false);
  });

  test.each([
    ['no token', {}, 401], ['a wrong token', { Authorization: 'Bearer wrong-wrong-wrong-wrong' }, 401],
  ])('publishing with %s is %i', async (_w, headers, status) => {
    expect((await publish('pub/noauth', { version: '1.0.0', files: { a: 'x' } }, headers as Record<string, string>)).status).toBe(status);
  });

  test('an unsupported content type is 415', async () => {
    const res = await fetch(api('/pub/x/versions'), { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body: 'hi' });
    expect(res.status).toBe(415);
  });
});

describe('labels', () => {
  beforeAll(async () => {
    for (const [v, n] of [['1.0.0', 1], ['1.1.0', 2], ['2.0.0', 3]] as const) await publish('lab/web', { version: v, files: { 'template.yaml': hotTemplate(n) } });
  });

  test('PUT points a label at what a ref resolves to; git sees it; a git push moves it again; DELETE removes it', async () => {
    const put = await fetch(api('/lab/web/labels/known-good'), { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ ref: '^1' }) });
    expect(put.status).toBe(200);
    const body = await json<{ label: string; version: string; commit: string }>(put);
    expect(body).toMatchObject({ label: 'known-good', version: '1.1.0' });
    expect(await lsRemote('lab/web')).toContain(`${body.commit}\trefs/tags/known-good`);
    expect((await json<{ version: string }>(await fetch(api('/lab/web/versions/known-good')))).version).toBe('1.1.0');

    const w = await WorkRepo.create();
    try {
      await w.git(['fetch', '-q', `${server.url}/lab/web.git`, '+refs/tags/*:refs/tags/*']);
      await w.git(['tag', '-f', 'known-good', 'v2.0.0^{commit}']);
      expect((await w.run(['push', '--force', `${server.authUrl}/lab/web.git`, 'known-good'])).code).toBe(0);
    } finally { await w.cleanup(); }
    expect((await json<{ version: string }>(await fetch(api('/lab/web/versions/known-good')))).version).toBe('2.0.0');

    expect((await fetch(api('/lab/web/labels/known-good'), { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(api('/lab/web/versions/known-good'))).status).toBe(404);
    expect((await fetch(api('/lab/web/labels/known-good'), { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  test.each([['1.2.3'], ['v2.0.0'], ['latest'], ['deadbeef'], ['a..b'], ['x.lock'], ['-x'], ['a%2Fb']])('label name %s is refused (400)', async (name) => {
    const res = await fetch(api(`/lab/web/labels/${name}`), { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ ref: '1.0.0' }) });
    expect(res.status).toBe(400);
  });

  test('a label at a ref that does not resolve is 404; without a token 401', async () => {
    const put = (headers: Record<string, string>) => fetch(api('/lab/web/labels/next'), { method: 'PUT', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ ref: '^9' }) });
    expect((await put(auth)).status).toBe(404);
    expect((await put({})).status).toBe(401);
  });
});

describe('deprecation and yanking', () => {
  beforeAll(async () => {
    for (const [v, n] of [['1.0.0', 1], ['1.1.0', 2], ['1.2.0', 3]] as const) await publish('mark/web', { version: v, files: { 'template.yaml': hotTemplate(n) } });
  });
  const post = (p: string, body: unknown) => fetch(api(`/mark/web/versions/${p}`), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const resolved = async (ref: string) => (await json<{ version: string }>(await fetch(api(`/mark/web/versions/${encodeURIComponent(ref)}`)))).version;

  test('a deprecated version still resolves everywhere, and every answer carries the message', async () => {
    const res = await post('1.1.0/deprecate', { message: 'Use 1.2.0: CVE-2026-1' });
    expect(res.status).toBe(200);
    expect((await json<{ deprecated: { message: string; by: string } }>(res)).deprecated).toMatchObject({ message: 'Use 1.2.0: CVE-2026-1', by: 'admin' });
    const list = await json<{ versions: { version: string; deprecated: { message: string } | null }[] }>(await fetch(api('/mark/web/versions')));
    expect(list.versions.find((v) => v.version === '1.1.0')?.deprecated?.message).toBe('Use 1.2.0: CVE-2026-1');
    expect(await resolved('~1.1.0')).toBe('1.1.0');
    const file = await fetch(api('/mark/web/versions/1.1.0/files/template.yaml'));
    expect(decodeURIComponent(file.headers.get('heater-deprecated') ?? '')).toBe('Use 1.2.0: CVE-2026-1');
    expect((await fetch(api('/mark/web/versions/1.1.0/deprecate'), { method: 'DELETE', headers: auth })).status).toBe(200);
    expect((await fetch(api('/mark/web/versions/1.1.0/files/template.yaml'))).headers.get('heater-deprecated')).toBeNull();
  });

  test('a yanked version is skipped by latest and ranges, still served by number and commit; unyank restores it', async () => {
    expect(await resolved('latest')).toBe('1.2.0');
    const commit = (await json<{ commit: string }>(await fetch(api('/mark/web/versions/1.2.0')))).commit;
    expect((await post('1.2.0/yank', { reason: 'broke the network' })).status).toBe(200);
    expect(await resolved('latest')).toBe('1.1.0');
    expect(await resolved('^1')).toBe('1.1.0');
    const exact = await json<{ version: string; yanked: { message: string } }>(await fetch(api('/mark/web/versions/1.2.0')));
    expect(exact).toMatchObject({ version: '1.2.0', yanked: { message: 'broke the network' } });
    expect(await resolved(commit)).toBe('1.2.0');
    const file = await fetch(api('/mark/web/versions/1.2.0/files/template.yaml'));
    expect(file.status).toBe(200);
    expect(decodeURIComponent(file.headers.get('heater-yanked') ?? '')).toBe('broke the network');
    const none = await fetch(api('/mark/web/versions/%3E1.1.0'));
    expect(none.status).toBe(404);
    expect((await json<{ detail: string }>(none)).detail).toContain('1.2.0 (yanked)');
    expect((await fetch(api('/mark/web/versions/1.2.0/yank'), { method: 'DELETE', headers: auth })).status).toBe(200);
    expect(await resolved('latest')).toBe('1.2.0');
  });

  test('the state lives in git (refs/heater/versions), hidden from clones, and survives a restart on the same data', async () => {
    expect((await post('1.0.0/yank', { reason: 'old' })).status).toBe(200);
    const gitDir = path.join(server.reposDir, 'mark', 'web.git');
    expect(await gitOk(['--git-dir', gitDir, 'for-each-ref', '--format=%(refname) %(objecttype)', 'refs/heater'])).toBe('refs/heater/versions/1.0.0 tag\n');
    expect(await lsRemote('mark/web')).not.toContain('refs/heater');
    const again = await createApp(testConfig({ reposDir: server.reposDir, adminToken: TOKEN }));
    const url = await again.listen();
    try {
      const v = await json<{ versions: { version: string; yanked: { message: string } | null }[] }>(await fetch(`${url}/api/v1/templates/mark/web/versions`));
      expect(v.versions.find((x) => x.version === '1.0.0')?.yanked?.message).toBe('old');
    } finally { await again.close(); }
  });

  test.each([
    ['9.9.9/yank', { reason: 'x' }, 404], ['^1/yank', { reason: 'x' }, 400], ['1.0.0/yank', {}, 400], ['1.0.0/yank', { reason: '' }, 400],
    ['1.0.0/deprecate', { message: 5 }, 400], ['1.0.0/deprecate', { message: 'x'.repeat(2001) }, 400],
  ])('POST %s %j -> %i', async (p, body, status) => {
    expect((await post(p, body)).status).toBe(status);
  });

  test('marking needs a token', async () => {
    const res = await fetch(api('/mark/web/versions/1.0.0/yank'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"reason":"x"}' });
    expect(res.status).toBe(401);
  });
});

describe('what a version says about itself', () => {
  const manifest = `description: PostgreSQL with streaming replicas
keywords: [database, postgres]
metadata: {team: data}
entrypoint: stack.yaml
authors:
  - Ada Author <ada@example.com>
  - {name: DB team, url: "https://example.com/db"}
license: Apache-2.0
`;
  const stack = `heat_template_version: 2021-04-16
description: A primary and replicas
parameter_groups:
  - label: Sizing
    parameters: [flavor, replicas]
parameters:
  flavor: {type: string, default: m1.large, constraints: [{allowed_values: [m1.large, m1.xlarge]}]}
  replicas: {type: number, default: 2, constraints: [{range: {min: 1, max: 5}}]}
  password: {type: string, hidden: true, default: s3cr3t}
resources:
  primary: {type: OS::Nova::Server, properties: {flavor: {get_param: flavor}}}
  replica_a: {type: OS::Nova::Server, properties: {flavor: {get_param: flavor}}}
  data: {type: OS::Cinder::Volume, properties: {size: 10}}
outputs:
  address: {description: Where to connect, value: {get_attr: [primary, first_address]}}
`;

  test('GET /versions/:ref returns the manifest and the Heat interface of the entrypoint; the listing shows the latest manifest', async () => {
    expect((await publish('facts/db', { version: '1.0.0', files: { 'heater.yaml': manifest, 'stack.yaml': stack } })).status).toBe(201);
    const v = await json<{ manifest: Record<string, unknown>; entrypoint: string; interface: Record<string, unknown> }>(await fetch(api('/facts/db/versions/1.0.0')));
    expect(v.entrypoint).toBe('stack.yaml');
    expect(v.manifest).toMatchObject({ description: 'PostgreSQL with streaming replicas', keywords: ['database', 'postgres'], metadata: { team: 'data' }, license: 'Apache-2.0',
      authors: [{ name: 'Ada Author', email: 'ada@example.com' }, { name: 'DB team', url: 'https://example.com/db' }] });
    expect(v.interface).toMatchObject({
      description: 'A primary and replicas',
      resources: { total: 3, byType: { 'OS::Cinder::Volume': 1, 'OS::Nova::Server': 2 } },
      outputs: [{ name: 'address', description: 'Where to connect' }],
    });
    const params = (v.interface.parameters as { name: string; hidden: boolean; default?: unknown; constraints: unknown[] }[]);
    expect(params.map((p) => p.name)).toEqual(['flavor', 'replicas', 'password']);
    expect(params.find((p) => p.name === 'password')).toMatchObject({ hidden: true });
    expect(JSON.stringify(v)).not.toContain('s3cr3t');
    const detail = await json<{ description: string; keywords: string[] }>(await fetch(api('/facts/db')));
    expect(detail).toMatchObject({ description: 'PostgreSQL with streaming replicas', keywords: ['database', 'postgres'] });
    const list = await json<{ items: { id: string; description: string }[] }>(await fetch(api('?limit=100')));
    expect(list.items.find((i) => i.id === 'facts/db')?.description).toBe('PostgreSQL with streaming replicas');
  });

  test('a version without a manifest or a Heat entrypoint says so with nulls', async () => {
    await publish('facts/plain', { version: '0.1.0', files: { 'config.yaml': 'a: 1\n' } });
    const v = await json(await fetch(api('/facts/plain/versions/0.1.0')));
    expect(v).toMatchObject({ manifest: null, entrypoint: 'template.yaml', interface: null });
  });
});

describe('more hostile uploads', () => {
  test('a tar entry with a negative size is a 400, not a server stuck in a loop', async () => {
    const h = Buffer.alloc(512, 0);
    h.write('template.yaml', 0, 'latin1');
    h.write('0000644\0', 100, 'latin1');
    h.write('-0001750\0\0\0\0', 124, 'latin1'); // -1000 in octal
    h.write('0', 156, 'latin1');
    h.write('ustar\x0000', 257, 'latin1');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const body = gzipSync(Buffer.concat([h, Buffer.alloc(1024)]));
    const res = await fetch(api('/pub/negative/versions?version=1.0.0'), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body });
    expect(res.status).toBe(400);
    expect((await json<{ detail: string }>(res)).detail).toContain('impossible size');
  });

  test.each([['GIT~1/config'], ['.git./hooks/x'], ['.Git /x'], ['.g\u200cit/config'], ['.gitmodules'], ['a/.GITMODULES']])('a path git would refuse at push, %j, is refused at publish too', async (p) => {
    const res = await publish('pub/aliases', { version: '1.0.0', files: { [p]: 'x', 'a.txt': 'a' } });
    expect(res.status).toBe(400);
  });

  test('a version git cannot name as a tag (ending in .lock) is a 400', async () => {
    const res = await publish('pub/locky', { version: '1.0.0-x.lock', files: { 'a.txt': 'a' } });
    expect(res.status).toBe(400);
    expect((await json<{ detail: string }>(res)).detail).toContain('.lock');
    expect(fs.existsSync(path.join(server.reposDir, 'pub', 'locky.git'))).toBe(false);
  });

  test('a YAML file over the validation limit is reported as such on push, without reading it whole', async () => {
    const w = await WorkRepo.create();
    try {
      await w.commit({ 'template.yaml': hotTemplate(1), 'big.yaml': `a: "${'x'.repeat(1_200_000)}"\n` });
      await w.tag('v1.0.0');
      const r = await w.run(['push', `${server.authUrl}/pub/bigyaml.git`, 'v1.0.0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/big\.yaml: YAML files may be at most 1048576 bytes to be validated; this one is 1200\d\d\d\. \[yaml-too-large\]/);
    } finally { await w.cleanup(); }
  });
});
