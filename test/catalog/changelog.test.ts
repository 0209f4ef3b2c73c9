// GET …/changelog: a real version history from the corpus pairs, compared when each version is published.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { OpenApiContract } from '../helpers/schema';

const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));

const PAIRS = path.join(__dirname, 'changelog-pairs');
const pair = (dir: string, side: 'old' | 'new') => readFileSync(path.join(PAIRS, dir, `${side}.yaml`), 'utf8');
const verdict = (dir: string) => JSON.parse(readFileSync(path.join(PAIRS, dir, 'meta.json'), 'utf8')) as { classification: string; semver_bump: string };

const LB = '01-lb-server-subnet-required';
const AD = '19-ad-controller-timeout-param-added';
const SECRET = '20-barbican-secret-payload-output-added';
const VIP = '28-tht-ctlplane-vip-description-only';

interface Change { file: string; change: string; name: string; breaking: boolean }
interface Entry { version: string; previous: string | null; author: string; message: string; date: string; deprecated: { message: string } | null; yanked: unknown; compat: { required: string; breaking: boolean; changes: Change[] } }

let server: TestServer;
const auth = () => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });

/** Files of one version: each pair's file at its old or new side. */
function files(newer: readonly string[]): Record<string, string> {
  const side = (d: string) => (newer.includes(d) ? 'new' : 'old');
  return {
    'template.yaml': pair(LB, side(LB)),
    'ad.yaml': pair(AD, side(AD)),
    'ActiveDirectoryDomainController.ps1': '# stub\n',
    'AD.psm1': '# stub\n',
    'secret.yaml': pair(SECRET, side(SECRET)),
    'vip.yaml': pair(VIP, side(VIP)),
  };
}

async function publish(id: string, version: string, newer: readonly string[], message?: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/templates/${id}/versions`, { method: 'POST', headers: auth(), body: JSON.stringify({ version, files: files(newer), ...(message ? { message } : {}) }) });
  if (res.status !== 201) throw new Error(`publish ${version}: ${res.status} ${await res.text()}`);
}

async function changelog(id: string, query = ''): Promise<{ status: number; body: { template: string; items: Entry[] } }> {
  const res = await fetch(`${server.url}/api/v1/templates/${id}/changelog${query}`);
  return { status: res.status, body: await res.json() as { template: string; items: Entry[] } };
}

/** The history: each release takes one more pair's new side. */
async function history(id: string): Promise<void> {
  await publish(id, '1.0.0', [], 'first release');
  await publish(id, '1.0.1', [VIP], 'reword the VIP network');
  await publish(id, '1.1.0', [VIP, SECRET], 'expose the secret payload');
  await publish(id, '1.2.0', [VIP, SECRET, AD], 'AD controller timeout');
  await publish(id, '2.0.0', [VIP, SECRET, AD, LB], 'members need a subnet');
}

afterEach(async () => {
  await server.close();
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('each version against the one before it: the corpus verdicts, breaking changes first, newest first', async () => {
  server = await startServer({ semver: 'warn' });
  await history('acme/stack');
  const { status, body } = await changelog('acme/stack');
  expect(status).toBe(200);
  expect(contract.schemaErrors(contract.schema('Changelog'), body)).toEqual([]);
  expect(body.template).toBe('acme/stack');
  expect(body.items.map((e) => [e.version, e.previous])).toEqual([['2.0.0', '1.2.0'], ['1.2.0', '1.1.0'], ['1.1.0', '1.0.1'], ['1.0.1', '1.0.0'], ['1.0.0', null]]);
  const by = new Map(body.items.map((e) => [e.version, e]));
  const expected: [string, string, string][] = [['2.0.0', LB, 'template.yaml'], ['1.2.0', AD, 'ad.yaml'], ['1.1.0', SECRET, 'secret.yaml'], ['1.0.1', VIP, 'vip.yaml']];
  for (const [version, dir, file] of expected) {
    const e = by.get(version) as Entry;
    const v = verdict(dir);
    expect({ version, breaking: e.compat.breaking, required: e.compat.required }).toEqual({ version, breaking: v.classification === 'BREAKING', required: v.semver_bump });
    expect(new Set(e.compat.changes.map((c) => c.file))).toEqual(new Set([file])); // only the file that changed
  }
  const major = (by.get('2.0.0') as Entry).compat.changes;
  expect(major.find((c) => c.name === 'subnet')).toMatchObject({ breaking: true });
  const firstCompatible = major.findIndex((c) => !c.breaking);
  expect(major.slice(firstCompatible).every((c) => !c.breaking)).toBe(true);
  expect(firstCompatible).toBeGreaterThan(0);
  expect(by.get('1.0.0')).toMatchObject({ compat: { required: 'none', breaking: false, changes: [] }, deprecated: null, yanked: null });
  expect(by.get('1.1.0')).toMatchObject({ message: 'expose the secret payload' });
  expect((by.get('1.1.0') as Entry).author).not.toBe('');
  expect(Date.parse((by.get('1.1.0') as Entry).date)).not.toBeNaN();
});

test('marks show at once; the stored comparisons survive a deleted index (heal) and a prerelease is compared with the release below', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heater-changelog-'));
  try {
    server = await startServer({ semver: 'warn' }, { reposDir: dir });
    await publish('acme/stack', '1.0.0', []);
    await publish('acme/stack', '1.1.0', [SECRET]);
    await publish('acme/stack', '2.0.0-rc.1', [SECRET, LB]);
    const dep = await fetch(`${server.url}/api/v1/templates/acme/stack/versions/1.1.0/deprecate`, { method: 'POST', headers: auth(), body: JSON.stringify({ message: 'use 2.x' }) });
    expect(dep.status).toBe(200);
    const before = (await changelog('acme/stack')).body.items;
    expect(before.map((e) => [e.version, e.previous, e.compat.required])).toEqual([['2.0.0-rc.1', '1.1.0', 'major'], ['1.1.0', '1.0.0', 'minor'], ['1.0.0', null, 'none']]);
    expect(before[1]?.deprecated).toMatchObject({ message: 'use 2.x' });
    await server.close();
    await rm(path.join(dir, '.heater', 'catalog.sqlite'), { force: true });
    server = await startServer({ semver: 'warn' }, { reposDir: dir });
    expect((await changelog('acme/stack')).body.items).toEqual(before);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
    server = await startServer();
  }
});

test.each([
  ['/api/v1/templates/acme/none/changelog', 404],
  ['/api/v1/templates/acme/stack/changelog?limit=5', 200],
  ['/api/v1/templates/acme/stack/changelog?limit=0', 400],
  ['/api/v1/templates/acme/stack/changelog?limit=101', 400],
  ['/api/v1/templates/acme/stack/changelog?limit=2&limit=3', 400],
  ['/api/v1/templates/acme/stack/changelog?page=2', 400],
  ['/api/v1/templates/acme/stack/changelog?cursor=not-a-cursor', 400],
  [`/api/v1/templates/acme/stack/changelog?cursor=${Buffer.from('{"v":"not semver"}').toString('base64url')}`, 400],
  ['/api/v1/templates/ACME/stack/changelog', 400],
])('GET %s -> %i', async (p, status) => {
  server = await startServer();
  await publish('acme/stack', '1.0.0', []);
  const res = await fetch(`${server.url}${p}`);
  expect(res.status).toBe(status);
  const body = await res.json() as { detail?: string; items?: unknown[]; total?: number };
  if (status === 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (status === 400 && p.includes('limit=')) expect(body).toMatchObject({ detail: expect.stringContaining('limit') });
  if (status === 400 && p.includes('page=')) expect(body).toMatchObject({ detail: expect.stringContaining('"page"') });
  if (status === 200) expect(body).toMatchObject({ total: 1, items: [expect.objectContaining({ version: '1.0.0' })], nextCursor: null });
});

test('paged: pages walked with the cursor are the whole changelog, and stay put while versions are published and removed', async () => {
  server = await startServer({ semver: 'warn' });
  await history('acme/stack');
  const whole = (await changelog('acme/stack')).body.items.map((e) => e.version);
  const walk = async (limit: number) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(`${server.url}/api/v1/templates/acme/stack/changelog?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      const body = await res.json() as { items: Entry[]; total: number; nextCursor: string | null };
      expect(body.total).toBe(whole.length);
      expect(body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...body.items.map((e) => e.version));
      cursor = body.nextCursor;
    } while (cursor);
    return seen;
  };
  for (const limit of [1, 2, 5, 100]) expect(await walk(limit)).toEqual(whole);
  const first = await fetch(`${server.url}/api/v1/templates/acme/stack/changelog?limit=2`);
  const { items, nextCursor } = await first.json() as { items: Entry[]; nextCursor: string };
  expect(items.map((e) => e.version)).toEqual(['2.0.0', '1.2.0']);
  // a higher version and one below the page boundary are published, and the version the cursor names is removed
  await publish('acme/stack', '3.0.0', [VIP, SECRET, AD, LB]);
  await publish('acme/stack', '1.1.1', [VIP, SECRET]);
  const del = await fetch(`${server.url}/api/v1/templates/acme/stack/versions/1.2.0`, { method: 'DELETE', headers: auth() });
  expect(del.status).toBe(204);
  const next = await (await fetch(`${server.url}/api/v1/templates/acme/stack/changelog?limit=2&cursor=${nextCursor}`)).json() as { items: Entry[]; total: number };
  expect(next.items.map((e) => e.version)).toEqual(['1.1.1', '1.1.0']);
  expect(next.total).toBe(6);
});

test('a private namespace\'s changelog is not found for a stranger', async () => {
  server = await startServer();
  await publish('secret/stack', '1.0.0', []);
  const patch = await fetch(`${server.url}/api/v1/namespaces/secret`, { method: 'PATCH', headers: auth(), body: JSON.stringify({ anonymousRead: false }) });
  expect(patch.status).toBe(200);
  expect((await changelog('secret/stack')).status).toBe(404);
  const res = await fetch(`${server.url}/api/v1/templates/secret/stack/changelog`, { headers: auth() });
  expect(res.status).toBe(200);
});
