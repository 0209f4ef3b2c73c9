// /versions: every kind of :ref, raw files with ETag/304/HEAD and cache rules, archives, and bad refs and paths.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { startServer, type TestServer } from '../helpers/server';
import { rawGet as rawGetAt } from '../helpers/http';
import { WorkRepo, gitOk, tempDir, hotTemplate } from '../helpers/git-client';

let server: TestServer;
let w: WorkRepo;
const at: Record<string, string> = {};
const api = (p: string) => `${server.url}/api/v1/templates/acme/web${p}`;

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  const versions = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.2.1', '2.0.0-rc.1'];
  for (const [i, v] of versions.entries()) {
    at[v] = await w.commit({ 'template.yaml': hotTemplate(i, true), 'scripts/install.sh': `#!/bin/sh\necho ${v}\n`, 'env/prod.yaml': `parameters: {n: ${i}}\n` }, `release ${v}`);
    await w.tag(v);
  }
  await w.tag('stable', { lightweight: true, at: at['v1.1.0'] });
  at.edge = await w.commit({ 'template.yaml': hotTemplate(99, true), 'bin/tool': Buffer.from([0, 1, 2, 255]) }, 'work in progress');
  await w.git(['update-index', '--chmod=+x', 'scripts/install.sh']);
  await w.git(['commit', '-q', '-m', 'exec bit']);
  at.edge = (await w.git(['rev-parse', 'HEAD'])).trim();
  await w.tag('edge', { lightweight: true });
  const r = await w.run(['push', `${server.authUrl}/acme/web.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => { await w.cleanup(); await server.close(); });

interface Resolved { requested: string; resolvedBy: string; version: string | null; tag: string | null; label?: string; commit: string; files: { path: string; size: number; mode: string; blob: string }[] }

test('GET /versions lists every version, highest semver first, with tag, commit, date, author and message', async () => {
  const body = await (await fetch(api('/versions'))).json() as { versions: Record<string, string>[] };
  expect(body.versions.map((v) => v.version)).toEqual(['2.0.0-rc.1', '1.2.1', '1.2.0', '1.1.0', '1.0.0']);
  expect(body.versions[1]).toEqual({ version: '1.2.1', tag: 'v1.2.1', commit: at['v1.2.1'], created: expect.stringMatching(/^2026-01-02T\d\d:\d\d:\d\d/), author: 'Ada Author', message: 'release v1.2.1', deprecated: null, yanked: null });
  expect(body.versions[0]?.tag).toBe('2.0.0-rc.1');
});

test.each([
  ['1.2.0', 'version', '1.2.0'],
  ['v1.2.0', 'version', '1.2.0'],
  ['2.0.0-rc.1', 'version', '2.0.0-rc.1'],
  ['latest', 'latest', '1.2.1'],
  ['^1.1', 'range', '1.2.1'],
  ['~1.2.0', 'range', '1.2.1'],
  ['1.x', 'range', '1.2.1'],
  ['>=1.0.0 <1.2.0', 'range', '1.1.0'],
  ['^2.0.0-rc.0', 'range', '2.0.0-rc.1'],
  ['*', 'range', '1.2.1'],
  ['stable', 'label', '1.1.0'],
])('GET /versions/%s resolves by %s to %s', async (ref, by, version) => {
  const res = await fetch(api(`/versions/${encodeURIComponent(ref)}`));
  expect(res.status).toBe(200);
  const body = await res.json() as Resolved;
  expect(body).toMatchObject({ requested: ref, resolvedBy: by, version });
  expect(body.commit).toBe(at[`v${version}`] ?? at[version]);
  expect(body.files.map((f) => f.path)).toEqual(['env/prod.yaml', 'scripts/install.sh', 'template.yaml']);
  const tpl = body.files.find((f) => f.path === 'template.yaml');
  expect(tpl).toMatchObject({ mode: '100644', size: Buffer.byteLength(hotTemplate(['1.0.0', '1.1.0', '1.2.0', '1.2.1', '2.0.0-rc.1'].indexOf(version), true)) });
  expect(tpl?.blob).toMatch(/^[0-9a-f]{40}$/);
});

test('a commit id, full or abbreviated, resolves to that commit and its version', async () => {
  for (const ref of [at['v1.2.0'] ?? '', (at['v1.2.0'] ?? '').slice(0, 7)]) {
    const body = await (await fetch(api(`/versions/${ref}`))).json() as Resolved;
    expect(body).toMatchObject({ resolvedBy: 'commit', version: '1.2.0', commit: at['v1.2.0'] });
  }
});

test('a label or commit with no version resolves to the commit, version null', async () => {
  const body = await (await fetch(api('/versions/edge'))).json() as Resolved;
  expect(body).toMatchObject({ resolvedBy: 'label', label: 'edge', version: null, tag: null, commit: at.edge });
  expect(body.files.find((f) => f.path === 'scripts/install.sh')?.mode).toBe('100755');
  expect(body.files.find((f) => f.path === 'bin/tool')?.size).toBe(4);
});

test.each([
  ['9.9.9', 404, /has no version 9\.9\.9; the versions are 2\.0\.0-rc\.1, 1\.2\.1, 1\.2\.0, 1\.1\.0, 1\.0\.0/],
  ['^3', 404, /No version of acme\/web satisfies \^3; the versions are/],
  ['>=>1', 400, /not a valid semver range/],
  ['1.2.0 || >=', 400, /not a valid semver range/],
  ['nope', 404, /no version, label or commit named "nope"/],
  ['abcdef0', 404, /no version, label or commit named "abcdef0"/],
  [' 1.0.0', 400, /printable ASCII/],
  ['a\u0001b', 400, /printable ASCII/],
  ['x'.repeat(300), 400, /printable ASCII/],
])('GET /versions/%j -> %i with a sentence', async (ref, status, detail) => {
  const res = await fetch(api(`/versions/${encodeURIComponent(ref)}`));
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect((await res.json() as { detail: string }).detail).toMatch(detail);
});

test('latest with only prereleases says so', async () => {
  const only = await WorkRepo.create();
  try {
    await only.commit({ 'template.yaml': hotTemplate(1) });
    await only.tag('v0.1.0-beta.1');
    expect((await only.run(['push', `${server.authUrl}/acme/pre.git`, 'main', '--tags'])).code).toBe(0);
    const res = await fetch(`${server.url}/api/v1/templates/acme/pre/versions/latest`);
    expect(res.status).toBe(404);
    expect((await res.json() as { detail: string }).detail).toMatch(/no release version.*prereleases and yanked versions are not counted.*0\.1\.0-beta\.1/);
  } finally { await only.cleanup(); }
});

describe('raw files', () => {
  test('the bytes, a content type by extension, ETag = blob id, immutable for an exact version', async () => {
    const res = await fetch(api('/versions/1.2.0/files/template.yaml'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(hotTemplate(2, true));
    expect(res.headers.get('content-type')).toBe('application/yaml');
    const blob = (await gitOk(['rev-parse', `${at['v1.2.0']}:template.yaml`], { cwd: w.dir })).trim();
    expect(res.headers.get('etag')).toBe(`"${blob}"`);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('heater-version')).toBe('1.2.0');
    expect(res.headers.get('heater-commit')).toBe(at['v1.2.0']);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test.each([['latest'], ['^1'], ['stable'], ['abbrev']])('via %s it must be revalidated', async (kind) => {
    const ref = kind === 'abbrev' ? (at['v1.2.1'] ?? '').slice(0, 10) : kind;
    const res = await fetch(api(`/versions/${encodeURIComponent(ref)}/files/template.yaml`));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  test('a full commit id is immutable too', async () => {
    const res = await fetch(api(`/versions/${at['v1.0.0']}/files/template.yaml`));
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  test('If-None-Match with the ETag gives 304 without a body; a stale one gives 200', async () => {
    const first = await fetch(api('/versions/latest/files/template.yaml'));
    const etag = first.headers.get('etag') ?? '';
    const again = await fetch(api('/versions/latest/files/template.yaml'), { headers: { 'If-None-Match': `"0000", W/${etag}` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const stale = await fetch(api('/versions/latest/files/template.yaml'), { headers: { 'If-None-Match': '"0000000000000000000000000000000000000000"' } });
    expect(stale.status).toBe(200);
  });

  test('HEAD gives the headers and no body', async () => {
    const res = await fetch(api('/versions/1.0.0/files/scripts/install.sh'), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength('#!/bin/sh\necho v1.0.0\n')));
    expect(res.headers.get('content-type')).toBe('text/x-shellscript');
    expect(await res.text()).toBe('');
  });

  test('binary files come back byte for byte', async () => {
    const res = await fetch(api('/versions/edge/files/bin/tool'));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
  });

  test('relative references resolve as Heat resolves get_file: against the template URL', async () => {
    const tplUrl = api('/versions/1.1.0/files/template.yaml');
    const tpl = await (await fetch(tplUrl)).text();
    const ref = /get_file: (\S+) /.exec(tpl)?.[1] ?? '';
    expect(ref).toBe('scripts/install.sh');
    const res = await fetch(new URL(ref, tplUrl));
    expect(await res.text()).toBe('#!/bin/sh\necho v1.1.0\n');
    const up = await fetch(new URL('../template.yaml', api('/versions/1.1.0/files/env/prod.yaml')));
    expect(await up.text()).toBe(tpl);
  });

  test.each([
    ['/versions/1.0.0/files/missing.yaml', 404, /no file missing\.yaml in version 1\.0\.0/],
    ['/versions/1.0.0/files/scripts', 404, /scripts is a directory/],
    ['/versions/1.0.0/files/scripts/%2e%2e/template.yaml', 400, /"\.\."/],
    ['/versions/1.0.0/files/scripts%2Finstall.sh', 400, /encoded slashes/],
    ['/versions/1.0.0/files/a%00b', 400, /NUL/],
    ['/versions/1.0.0/files//etc/passwd', 400, /empty names/],
    ['/versions/7.7.7/files/template.yaml', 404, /has no version 7\.7\.7/],
    ['/versions/1.0.0/files/bin/tool', 404, /no file bin\/tool in version 1\.0\.0/],
  ])('GET %s -> %i', async (p, status, detail) => {
    const res = await rawGet(`/api/v1/templates/acme/web${p}`);
    expect(res.status).toBe(status);
    expect(res.type).toBe('application/problem+json');
    expect((JSON.parse(res.body) as { detail: string }).detail).toMatch(detail);
  });
});

describe('archives', () => {
  test('tar.gz unpacks to the same tree git has at that version', async () => {
    const res = await fetch(api('/versions/1.2.0/archive.tar.gz'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="web-1.2.0.tar.gz"');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const dir = await tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'a.tar.gz'), Buffer.from(await res.arrayBuffer()));
      execFileSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir });
      expect(treeOf(path.join(dir, 'web-1.2.0'))).toEqual(await gitTree(at['v1.2.0'] ?? ''));
    } finally { await rm(dir, { recursive: true, force: true }); }
  });

  test('zip unpacks to the same tree, exec bit and binary included', async () => {
    const res = await fetch(api('/versions/edge/archive.zip'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const dir = await tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'a.zip'), Buffer.from(await res.arrayBuffer()));
      execFileSync('python3', ['-c', 'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', 'a.zip', 'out'], { cwd: dir });
      const prefix = `web-${(at.edge ?? '').slice(0, 12)}`;
      expect(treeOf(path.join(dir, 'out', prefix))).toEqual(await gitTree(at.edge ?? ''));
    } finally { await rm(dir, { recursive: true, force: true }); }
  });

  test('If-None-Match on an archive gives 304', async () => {
    const etag = (await fetch(api('/versions/1.0.0/archive.zip'), { method: 'HEAD' })).headers.get('etag') ?? '';
    expect(etag).toBe(`"${at['v1.0.0']}.zip"`);
    expect((await fetch(api('/versions/1.0.0/archive.zip'), { headers: { 'If-None-Match': etag } })).status).toBe(304);
  });

  test('an archive of a version that does not exist is a 404 problem', async () => {
    const res = await fetch(api('/versions/0.0.9/archive.tar.gz'));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

/** path -> content of every file under dir. */
function treeOf(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, treeOf(dir, rel));
    else out[rel] = fs.readFileSync(path.join(dir, rel)).toString('base64');
  }
  return out;
}

/** path -> content of every file of a commit, as git has it. */
async function gitTree(commit: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of (await gitOk(['ls-tree', '-r', '--name-only', commit], { cwd: w.dir })).trim().split('\n')) {
    out[p] = execFileSync('git', ['show', `${commit}:${p}`], { cwd: w.dir }).toString('base64');
  }
  return out;
}

const rawGet = (p: string) => rawGetAt(server.url, p);
