// Tag names: versions semver cannot hold (past Number.MAX_SAFE_INTEGER) are a 400 or a refused push, never a 500;
// labels that look like a mistyped version or read as a semver range are refused, on push and over REST.
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';
import { labelProblem, TAG_RULE, unreadableVersion, unsafeNumber, versionOfTag } from '../../src/registry/versions';

const BIG = '99999999999999999999.0.0';
let server: TestServer;
let w: WorkRepo;
const api = (p: string) => `${server.url}/api/v1/templates/acme/big${p}`;
const auth = { Authorization: 'Bearer test-admin-token-0123456789' };
const json = { ...auth, 'Content-Type': 'application/json' };

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({ 'template.yaml': hotTemplate(1) });
  await w.tag('v1.0.0');
  const r = await w.run(['push', `${server.authUrl}/acme/big.git`, 'main', 'v1.0.0']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => {
  await w.cleanup();
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

test.each([
  ['1.0.0', '1.0.0'],
  ['v1.0.0', '1.0.0'],
  [`${Number.MAX_SAFE_INTEGER}.0.0`, `${Number.MAX_SAFE_INTEGER}.0.0`],
  [BIG, null],
  [`v1.${BIG}`, null],
  ['stable', null],
])('versionOfTag(%s) is %s and never throws', (tag, version) => {
  expect(versionOfTag(tag)).toBe(version);
});

test('unreadableVersion and unsafeNumber say which number is too big, and nothing of usable ones', () => {
  expect(unreadableVersion(BIG)).toContain(String(Number.MAX_SAFE_INTEGER));
  expect(unreadableVersion(`1.0.0-${'a'.repeat(300)}`)).toContain('256 characters');
  expect(unreadableVersion('1.0.0')).toBeNull();
  expect(unreadableVersion('stable')).toBeNull();
  expect(unsafeNumber(`^${BIG}`)).toContain('99999999999999999999');
  expect(unsafeNumber(`^${Number.MAX_SAFE_INTEGER}.0.0`)).toBeNull();
});

const e = encodeURIComponent;
test.each([
  ['a version', `/versions/${BIG}`],
  ['a v-version', `/versions/v${BIG}`],
  ['a big minor', '/versions/1.99999999999999999999.0'],
  ['a caret range', `/versions/${e(`^${BIG}`)}`],
  ['an x-range', '/versions/99999999999999999999.x'],
  ['a bounded range', `/versions/${e(`>=1.0.0 <${BIG}`)}`],
  ['an or-range', `/versions/${e(`1.x || ${BIG}`)}`],
  ['a file', `/versions/${BIG}/files/template.yaml`],
  ['an archive', `/versions/${BIG}/archive.tar.gz`],
  ['compat of it', `/versions/${BIG}/compat`],
  ['compat against it', `/versions/1.0.0/compat?against=${BIG}`],
  ['compat against a range of it', `/versions/1.0.0/compat?against=${e(`^${BIG}`)}`],
  ['a diff from it', `/diff?from=${BIG}&to=1.0.0`],
  ['a diff to it', `/diff?from=1.0.0&to=${e(`~${BIG}`)}`],
])('GET with %s is 400 naming the largest number', async (_what, p) => {
  const res = await fetch(api(p));
  expect(res.status).toBe(400);
  const body = await res.json() as { code: string; detail: string };
  expect(body.code).toBe('invalid-input');
  expect(body.detail).toContain(String(Number.MAX_SAFE_INTEGER));
});

test.each([
  ['the largest safe number', `/versions/${Number.MAX_SAFE_INTEGER}.0.0`, 404],
  ['a caret range of it (its upper bound would pass the largest)', `/versions/${e(`^${Number.MAX_SAFE_INTEGER}.0.0`)}`, 400],
  ['a range below it', `/versions/${e(`<${Number.MAX_SAFE_INTEGER}.0.0`)}`, 200],
  ['an existing version', '/versions/1.0.0', 200],
  ['compat against it', `/versions/1.0.0/compat?against=${Number.MAX_SAFE_INTEGER}.0.0`, 404],
  ['a name with a long number that is no version', '/versions/build-123456789012345678901234', 404],
])('GET with %s: %s is %i', async (_what, p, status) => {
  expect((await fetch(api(p))).status).toBe(status);
});

test.each([
  ['publish ?version=', () => fetch(api(`/versions?version=${BIG}`), { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body: Buffer.alloc(0) })],
  ['publish {"version"}', () => fetch(api('/versions'), { method: 'POST', headers: json, body: JSON.stringify({ version: BIG, files: { 'template.yaml': hotTemplate(2) } }) })],
  ['a label named like it', () => fetch(api(`/labels/${BIG}`), { method: 'PUT', headers: json, body: JSON.stringify({ ref: '1.0.0' }) })],
  ['a label pointed at it', () => fetch(api('/labels/stable'), { method: 'PUT', headers: json, body: JSON.stringify({ ref: BIG }) })],
  ['yanking it', () => fetch(api(`/versions/${BIG}/yank`), { method: 'POST', headers: json, body: JSON.stringify({ reason: 'x' }) })],
  ['deleting it', () => fetch(api(`/versions/${BIG}`), { method: 'DELETE', headers: auth })],
])('%s is 400', async (_what, send) => {
  const res = await send();
  expect(res.status).toBe(400);
  expect((await res.json() as { detail: string }).detail).toContain(String(Number.MAX_SAFE_INTEGER));
});

test('a pushed tag with such a number is refused with a remote: line; nothing moves', async () => {
  const before = await gitOk(['ls-remote', `${server.url}/acme/big.git`]);
  await w.commit({ 'template.yaml': hotTemplate(2) });
  await w.tag(BIG);
  const r = await w.run(['push', `${server.authUrl}/acme/big.git`, 'main', BIG]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain(`remote: heater: ${BIG}: "${BIG}" is not a usable version: each of its numbers may be at most ${Number.MAX_SAFE_INTEGER}.`);
  expect(await gitOk(['ls-remote', `${server.url}/acme/big.git`])).toBe(before);
  await w.git(['tag', '-d', BIG]);
  await w.git(['reset', '-q', '--hard', 'HEAD~1']);
});

test('such a tag in a repo copied in is neither a version nor a label, and the template still reads', async () => {
  const gitDir = path.join(server.reposDir, 'acme', 'big.git');
  await gitOk(['--git-dir', gitDir, 'tag', BIG, 'v1.0.0']);
  try {
    const versions = await (await fetch(api('/versions'))).json() as { versions: { version: string }[] };
    expect(versions.versions.map((v) => v.version)).toEqual(['1.0.0']);
    const detail = await (await fetch(api(''))).json() as { labels: unknown[]; latestVersion: string };
    expect(detail).toMatchObject({ labels: [], latestVersion: '1.0.0' });
    expect((await fetch(api('/versions/latest'))).status).toBe(200);
    // and it may be deleted by push
    const del = await w.run(['push', `${server.authUrl}/acme/big.git`, `:refs/tags/${BIG}`]);
    expect(del.code).toBe(0);
  } finally {
    await gitOk(['--git-dir', gitDir, 'tag', '-d', BIG]).catch(() => '');
  }
});

const MISTYPED = ['V1.1.0', 'v01.1.0', '1.1.0.0', 'v1.2.0-', 'V2', '01', '1.0.0+', '1.2.3-01', 'v1.2.3.beta', '1.2-stable'];
const RANGES = ['v1.1', '1', '1.x', '1.2.x', 'x', 'X', '2024', '=1.2.0', 'v=1', 'v2'];
const FINE = ['stable', 'known-good', 'prod', 'next', 'beta', 'lts', 'v2-preview', '2.x-lts', 'release-2024', 'x86', 'r2', 'V'];

test.each(MISTYPED)('labelProblem(%s): a mistyped version, with the rule', (name) => {
  expect(labelProblem(name)).toBe(`"${name}" looks like a mistyped version, so it is not taken as a label (labels move, versions never do). ${TAG_RULE}`);
});
test.each(RANGES)('labelProblem(%s): a semver range, with the rule', (name) => {
  expect(labelProblem(name)).toBe(`"${name}" reads as a semver range, and a label by that name would hide the range. ${TAG_RULE}`);
});
test.each(FINE)('labelProblem(%s) is null: a fine label', (name) => {
  expect(labelProblem(name)).toBeNull();
});

describe('labels that are not quite versions', () => {
  const remote = () => `${server.authUrl}/acme/big.git`;
  afterAll(async () => { await w.git(['tag', '-d', ...FINE]).catch(() => ''); });

  test.each([...MISTYPED, ...RANGES])('a pushed tag %s is refused with a remote: line saying what versions and labels are', async (name) => {
    const before = await gitOk(['ls-remote', `${server.url}/acme/big.git`]);
    await w.tag(name);
    try {
      const r = await w.run(['push', remote(), `refs/tags/${name}`]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`remote: heater: ${name}: "${name}" `);
      expect(r.stderr).toContain(TAG_RULE);
      expect(await gitOk(['ls-remote', `${server.url}/acme/big.git`])).toBe(before);
    } finally { await w.git(['tag', '-d', name]); }
  });

  test('tags that are plain words are pushed as labels', async () => {
    for (const name of FINE) await w.tag(name, { lightweight: true });
    const r = await w.run(['push', remote(), ...FINE.map((n) => `refs/tags/${n}`)]);
    expect(r.stderr).not.toContain('remote: heater:');
    expect(r.code).toBe(0);
    const detail = await (await fetch(api(''))).json() as { labels: { name: string }[] };
    expect(detail.labels.map((l) => l.name).sort()).toEqual([...FINE].sort());
  });

  test.each([...MISTYPED.filter((n) => !n.includes('+')), ...RANGES, '^1.2', '~1'])('PUT /labels/%s is 400 with the rule', async (name) => {
    const res = await fetch(api(`/labels/${e(name)}`), { method: 'PUT', headers: json, body: JSON.stringify({ ref: '1.0.0' }) });
    expect(res.status).toBe(400);
    const body = await res.json() as { code: string; detail: string };
    expect(body.code).toBe('invalid-input');
    if (/^[\w.-]+$/.test(name)) expect(body.detail).toContain(TAG_RULE);
  });

  test.each(['stable', 'known-good', 'v2-preview'])('PUT /labels/%s is 200', async (name) => {
    const res = await fetch(api(`/labels/${name}`), { method: 'PUT', headers: json, body: JSON.stringify({ ref: '1.0.0' }) });
    expect(res.status).toBe(200);
  });

  test('a label made before these rules can still be removed, by push and over REST', async () => {
    const gitDir = path.join(server.reposDir, 'acme', 'big.git');
    await gitOk(['--git-dir', gitDir, 'tag', '1.x', 'v1.0.0']);
    await gitOk(['--git-dir', gitDir, 'tag', 'V1.1.0', 'v1.0.0']);
    expect((await fetch(api('/labels/1.x'), { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await w.run(['push', remote(), ':refs/tags/V1.1.0'])).code).toBe(0);
    expect(await gitOk(['--git-dir', gitDir, 'tag', '-l', '1.x', 'V1.1.0'])).toBe('');
  });
});
