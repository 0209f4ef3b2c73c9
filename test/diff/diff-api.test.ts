// GET /diff against git itself: generated histories with every kind of change, patch byte-equal to git diff.
import fs from 'node:fs';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { startServer, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, runGit, tempDir, hotTemplate } from '../helpers/git-client';

let server: TestServer;
let w: WorkRepo;
const c: string[] = [];
const api = (q: string) => `${server.url}/api/v1/templates/acme/diffs/diff?${q}`;
const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join('\n');

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  c.push(await w.commit({
    'template.yaml': hotTemplate(1),
    'docs/guide.md': `${lines(40, 'guide')}\n`,
    'scripts/run.sh': '#!/bin/sh\necho run\n',
    'logo.png': Buffer.from([137, 80, 78, 71, 0, 1, 2, 3]),
    'empty.txt': '',
    'crlf.txt': 'one\r\ntwo\r\nthree\r\n',
    'noeol.txt': 'first\nlast without newline',
    'gone.txt': 'to be deleted\n',
    'réadme ünïcode.txt': 'accents\n',
  }, 'one'));
  await w.tag('v1.0.0');
  await w.git(['mv', 'docs/guide.md', 'docs/handbook.md']);
  fs.chmodSync(path.join(w.dir, 'crlf.txt'), 0o755); // an edit and a mode change in one
  c.push(await w.commit({
    'template.yaml': hotTemplate(2).replace('m1.small', 'm1.large'),
    'docs/handbook.md': `${lines(40, 'guide').replace('guide line 20', 'guide line twenty')}\n`,
    'logo.png': Buffer.from([137, 80, 78, 71, 9, 9, 9, 9]),
    'empty.txt': 'now has content\n',
    'crlf.txt': 'one\r\n2\r\nthree\r\n',
    'noeol.txt': 'first\nlast, still without',
    'gone.txt': null,
    'added.yaml': 'key: value\n',
    'réadme ünïcode.txt': 'accents, changed\n',
  }, 'two'));
  await w.git(['update-index', '--chmod=+x', 'scripts/run.sh']);
  await w.git(['commit', '-q', '-m', 'mode only']);
  c.push((await w.git(['rev-parse', 'HEAD'])).trim());
  await w.tag('v1.1.0');
  const r = await w.run(['push', `${server.authUrl}/acme/diffs.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => { await w.cleanup(); await server.close(); });

test.each([
  ['1.0.0', '1.1.0', ''], ['1.0.0', 'latest', '&context=0'], ['v1.1.0', '1.0.0', '&context=10'], ['1.0.0', '1.1.0', '&paths=docs&paths=template.yaml'],
])('format=patch from=%s to=%s%s is what git diff --no-color prints, line for line', async (from, to, extra) => {
  const res = await fetch(api(`from=${from}&to=${to}&format=patch${extra}`));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/x-diff; charset=utf-8');
  const ours = await res.text();
  const args = ['diff', '--no-color'];
  const ctx = /context=(\d+)/.exec(extra)?.[1];
  if (ctx) args.push(`-U${ctx}`);
  args.push(`v${from.replace(/^v/, '')}`, to === 'latest' ? 'v1.1.0' : `v${to.replace(/^v/, '')}`);
  const paths = [...extra.matchAll(/paths=([^&]+)/g)].map((m) => m[1] ?? '');
  if (paths.length) args.push('--', ...paths);
  const theirs = await gitOk(args, { cwd: w.dir });
  expect(ours.split('\n')).toEqual(theirs.split('\n'));
});

test('Accept: text/x-diff gives the patch; with binary=true (git diff --binary) git apply takes all of it', async () => {
  const res = await fetch(api('from=1.0.0&to=1.1.0&binary=true'), { headers: { Accept: 'text/x-diff' } });
  const patch = await res.text();
  expect(patch.split('\n')).toEqual((await gitOk(['diff', '--no-color', '--binary', 'v1.0.0', 'v1.1.0'], { cwd: w.dir })).split('\n'));
  const dir = await tempDir();
  try {
    await gitOk(['clone', '-q', '--branch', 'v1.0.0', `${server.url}/acme/diffs.git`, dir]);
    fs.writeFileSync(path.join(dir, 'p.diff'), patch);
    const r = await runGit(['apply', '--binary', '--check', 'p.diff'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('JSON lists every file with its status, rename, binary flag, modes and counted lines', async () => {
  const body = await (await fetch(api('from=1.0.0&to=1.1.0'))).json() as { from: { version: string; commit: string }; to: { version: string }; files: Record<string, unknown>[] };
  expect(body.from).toMatchObject({ version: '1.0.0', commit: c[0] });
  expect(body.to).toMatchObject({ version: '1.1.0' });
  const byPath = Object.fromEntries(body.files.map((f) => [f.path, f]));
  expect(byPath['docs/handbook.md']).toMatchObject({ status: 'renamed', oldPath: 'docs/guide.md', additions: 1, deletions: 1, binary: false });
  expect(byPath['logo.png']).toMatchObject({ status: 'modified', binary: true, additions: 0, deletions: 0 });
  expect(byPath['gone.txt']).toMatchObject({ status: 'deleted', deletions: 1 });
  expect(byPath['added.yaml']).toMatchObject({ status: 'added', additions: 1 });
  expect(byPath['empty.txt']).toMatchObject({ status: 'modified', additions: 1, deletions: 0 });
  expect(byPath['crlf.txt']).toMatchObject({ oldMode: '100644', newMode: '100755', additions: 1, deletions: 1 });
  expect(byPath['scripts/run.sh']).toMatchObject({ status: 'mode-changed', oldMode: '100644', newMode: '100755', hunks: [] });
  expect(byPath['réadme ünïcode.txt']).toMatchObject({ status: 'modified' });
  const noeol = byPath['noeol.txt'] as { hunks: { lines: string[] }[] };
  expect(noeol.hunks[0]?.lines).toContain('\\ No newline at end of file');
  const tpl = byPath['template.yaml'] as { hunks: { oldStart: number; lines: string[] }[] };
  expect(tpl.hunks.flatMap((h) => h.lines)).toEqual(expect.arrayContaining(['-    default: m1.small', '+    default: m1.large']));
});

test('structural=true: reformatting and reordering are not changes, a changed value is', async () => {
  const s = await WorkRepo.create();
  try {
    await s.commit({ 'env.yaml': 'parameters:\n  flavor: m1.small\n  count: 2\nlist: [a, b, c]\n' }, 'one');
    await s.tag('v1.0.0');
    await s.commit({ 'env.yaml': '# reformatted, reordered\nlist:\n  - a\n  - b\n  - c\nparameters: {count: 2, flavor: m1.small}\n' }, 'same');
    await s.tag('v1.0.1');
    await s.commit({ 'env.yaml': 'list: [a, c, b]\nparameters: {count: 3, flavor: m1.small}\n' }, 'changed');
    await s.tag('v1.1.0');
    expect((await s.run(['push', `${server.authUrl}/acme/structural.git`, 'main', '--tags'])).code).toBe(0);
    const get = async (from: string, to: string) => (await (await fetch(`${server.url}/api/v1/templates/acme/structural/diff?from=${from}&to=${to}&structural=true`)).json()) as { structural: { path: string; changes: { path: string; kind: string; old?: unknown; new?: unknown }[] }[] };
    expect((await get('1.0.0', '1.0.1')).structural).toEqual([{ path: 'env.yaml', changes: [], truncated: false }]);
    const changed = (await get('1.0.1', '1.1.0')).structural[0]?.changes ?? [];
    expect(changed).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'parameters.count', kind: 'changed', old: 2, new: 3 })]));
    expect(changed.some((x) => x.kind === 'moved')).toBe(true);
  } finally { await s.cleanup(); }
});

test('a diff of two exact versions is cached forever by clients; one through a range is revalidated', async () => {
  const exact = await fetch(api('from=1.0.0&to=1.1.0'));
  expect(exact.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  const etag = exact.headers.get('etag') ?? '';
  expect((await fetch(api('from=1.0.0&to=1.1.0'), { headers: { 'If-None-Match': etag } })).status).toBe(304);
  expect((await fetch(api('from=1.0.0&to=latest'))).headers.get('cache-control')).toBe('no-cache');
});

test.each([
  ['to=1.1.0', 400, /Give both from= and to=/],
  ['from=1.0.0', 400, /Give both from= and to=/],
  ['from=9.9.9&to=1.1.0', 404, /has no version 9\.9\.9/],
  ['from=1.0.0&to=%3E%3D%3E1', 400, /not a valid semver range/],
  ['from=1.0.0&to=1.1.0&context=-1', 400, /context must be a whole number of lines from 0 to 1000/],
  ['from=1.0.0&to=1.1.0&context=99999999', 400, /context must be/],
  ['from=1.0.0&to=1.1.0&context=3.5', 400, /context must be/],
  ['from=1.0.0&to=1.1.0&context=1&context=2', 400, /context may be given only once/],
  ['from=1.0.0&to=1.1.0&paths=..%2Fetc', 400, /"\.\."/],
  ['from=1.0.0&to=1.1.0&paths=%3A(glob)*', 200, null],
  ['from=1.0.0&to=1.1.0&format=html', 400, /format must be json or patch/],
  ['from=1.0.0&to=1.1.0&structural=yes', 400, /structural must be true or false/],
  ['from=1.0.0&to=1.1.0&binary=1', 400, /binary must be true or false/],
  [`from=1.0.0&to=1.1.0&paths=${Array.from({ length: 101 }, (_, i) => `p${i}`).join(',')}`, 400, /At most 100 paths/],
  ['from=1.0.0&to=1.1.0&paths=a%00b', 400, /NUL/],
])('GET /diff?%s -> %i', async (q, status, detail) => {
  const res = await fetch(api(q));
  expect(res.status).toBe(status);
  if (detail) expect((await res.json() as { detail: string }).detail).toMatch(detail);
});

test('a pathspec-looking path is a literal path: nothing matches it', async () => {
  const body = await (await fetch(api('from=1.0.0&to=1.1.0&paths=%3A(glob)*'))).json() as { files: unknown[] };
  expect(body.files).toEqual([]);
});
