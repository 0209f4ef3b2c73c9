// GET /api/v1/templates and /api/v1/namespaces from the catalog: ranking, filters, pages, facets, fields, private namespaces, healing.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';

const PROPS: Record<string, string> = {
  'OS::Nova::Server': '      flavor: m1.small\n      image: cirros\n',
  'OS::Cinder::Volume': '      size: 1\n',
  'OS::Neutron::LBaaS::LoadBalancer': '      vip_subnet: private\n',
  'OS::Neutron::Net': '',
  'OS::Heat::RandomString': '',
};

/** A HOT template taking `params` (strings) and using one resource of each of `types`. */
function hot(types: string[], params: string[]): string {
  const p = params.map((n) => `  ${n}:\n    type: string\n    default: x\n`).join('');
  const r = types.map((t, i) => `  r${i}:\n    type: ${t}\n${PROPS[t] ? `    properties:\n${PROPS[t]}` : ''}`).join('');
  return `heat_template_version: 2021-04-16\n${p ? `parameters:\n${p}` : ''}resources:\n${r}outputs:\n  out:\n    value: 1\n`;
}

interface Spec { description: string; keywords: string[]; metadata?: Record<string, string>; license?: string; types: string[]; params: string[] }
const CORPUS: Record<string, Spec> = {
  'acme/web-server': { description: 'An nginx web server on Nova', keywords: ['web', 'nginx'], metadata: { team: 'blue', horizon: 'launch' }, license: 'MIT', types: ['OS::Nova::Server', 'OS::Neutron::Net'], params: ['flavor', 'image'] },
  'acme/postgres': { description: 'A PostgreSQL database with replicas', keywords: ['db', 'sql'], metadata: { team: 'red' }, license: 'Apache-2.0', types: ['OS::Cinder::Volume'], params: ['size'] },
  'acme/lb': { description: 'A load balancer in front of web servers', keywords: ['network', 'lb'], types: ['OS::Neutron::LBaaS::LoadBalancer'], params: ['subnet'] },
  'beta/cache': { description: 'A memcached cache', keywords: ['cache', 'web'], metadata: { team: 'blue' }, types: ['OS::Heat::RandomString'], params: [] },
  'beta/dns': { description: 'Designate zones and records', keywords: ['dns'], types: ['OS::Neutron::Net'], params: ['zone'] },
  'beta/queue': { description: 'A RabbitMQ cluster', keywords: ['messaging'], types: ['OS::Nova::Server'], params: ['flavor'] },
  'secret/vault': { description: 'A secret web server vault', keywords: ['web', 'vault'], metadata: { team: 'blue' }, license: 'MIT', types: ['OS::Nova::Server'], params: ['flavor'] },
};

function manifest(s: Spec): string {
  const meta = Object.entries(s.metadata ?? {}).map(([k, v]) => `  ${k}: ${v}\n`).join('');
  return `description: ${s.description}\nkeywords: [${s.keywords.join(', ')}]\n${meta ? `metadata:\n${meta}` : ''}${s.license ? `license: ${s.license}\n` : ''}`;
}

let server: TestServer;
const auth = () => ({ Authorization: `Bearer ${server.token}` });

async function publish(id: string, version: string, files: Record<string, string>): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/templates/${id}/versions`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ version, files }) });
  if (res.status !== 201) throw new Error(`publish ${id} ${version}: ${res.status} ${await res.text()}`);
}
const publishSpec = (id: string, s: Spec, version = '1.0.0') => publish(id, version, { 'template.yaml': hot(s.types, s.params), 'heater.yaml': manifest(s) });

interface Listing { items: Record<string, unknown>[]; nextCursor: string | null; total: number; facets?: Record<string, { value: string; count: number }[]> }
async function list(query: string, headers: Record<string, string> = {}): Promise<Listing> {
  const res = await fetch(`${server.url}/api/v1/templates?${query}`, { headers });
  if (res.status !== 200) throw new Error(`GET ?${query}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Listing>;
}
const ids = async (query: string, headers: Record<string, string> = {}) => (await list(query, headers)).items.map((i) => i.id);

describe('one registry', () => {
  beforeAll(async () => {
    server = await startServer();
    for (const [id, s] of Object.entries(CORPUS)) await publishSpec(id, s);
    await publishSpec('acme/postgres', CORPUS['acme/postgres'] as Spec, '1.1.0');
    const dep = await fetch(`${server.url}/api/v1/templates/acme/lb/versions/1.0.0/deprecate`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ message: 'use octavia' }) });
    expect(dep.status).toBe(200);
    const priv = await fetch(`${server.url}/api/v1/namespaces/secret`, { method: 'PATCH', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ anonymousRead: false }) });
    expect(priv.status).toBe(200);
  });
  afterAll(async () => { await server.close(); });

  test('ranking: a hit in the name first, then keywords, then the description; stems and prefixes match', async () => {
    expect(await ids('q=web')).toEqual(['acme/web-server', 'beta/cache', 'acme/lb']);
    expect((await ids('q=servers'))[0]).toBe('acme/web-server');
    expect(await ids('q=postgres')).toEqual(['acme/postgres']);
    expect(await ids('q=%22load%20balancer%22')).toEqual(['acme/lb']);
    expect(await ids('q=web%20-nginx')).toEqual(['beta/cache', 'acme/lb']);
    expect(await ids('q=-web%20-db')).toEqual(['beta/dns', 'beta/queue']);
  });

  test.each([
    ['keyword=web', ['acme/web-server', 'beta/cache']],
    ['keyword=web&keyword=nginx', ['acme/web-server']],
    ['meta.team=blue', ['acme/web-server', 'beta/cache']],
    ['meta.team=blue&meta.horizon=launch', ['acme/web-server']],
    ['namespace=beta', ['beta/cache', 'beta/dns', 'beta/queue']],
    ['resource_type=OS::Neutron::LBaaS::*', ['acme/lb']],
    ['resource_type=OS::Neutron::*', ['acme/lb', 'acme/web-server', 'beta/dns']],
    ['resource_type=OS::Nova::Server', ['acme/web-server', 'beta/queue']],
    ['resource_type=OS::Nova::Server&resource_type=OS::Neutron::Net', ['acme/web-server']],
    ['parameter=flavor', ['acme/web-server', 'beta/queue']],
    ['deprecated=true', ['acme/lb']],
    ['deprecated=false&namespace=acme', ['acme/postgres', 'acme/web-server']],
    ['q=web&namespace=beta&meta.team=blue&keyword=cache&deprecated=false&resource_type=OS::Heat::*', ['beta/cache']],
    ['q=web&parameter=subnet', ['acme/lb']],
    ['keyword=nothing', []],
    ['license=MIT', ['acme/web-server']], // secret/vault is MIT too, and private
    ['license=Apache-2.0&namespace=acme', ['acme/postgres']],
    ['license=mit', []], // the licence as the manifest spells it
    ['license=GPL-3.0-only', []],
  ])('%s', async (query, expected) => {
    const page = await list(query);
    expect(page.items.map((i) => i.id)).toEqual(expected);
    expect(page.total).toBe(expected.length);
  });

  test('sort and order', async () => {
    expect(await ids('sort=versions&namespace=acme')).toEqual(['acme/postgres', 'acme/lb', 'acme/web-server']);
    expect(await ids('sort=name&order=desc&namespace=beta')).toEqual(['beta/queue', 'beta/dns', 'beta/cache']);
    expect((await ids('sort=updated'))[0]).toBe('acme/lb'); // deprecated last: its refs moved last
    expect(await ids('sort=created&order=asc&namespace=acme')).toEqual(['acme/web-server', 'acme/postgres', 'acme/lb']);
  });

  test('the default entry keeps the old summary and adds to it; fields picks parts, metadata.KEY one entry', async () => {
    const [web] = (await list('namespace=acme&keyword=nginx')).items;
    expect(web).toEqual({
      id: 'acme/web-server', namespace: 'acme', name: 'web-server', description: 'An nginx web server on Nova', keywords: ['web', 'nginx'], latestVersion: '1.0.0',
      updated: expect.any(String), created: expect.any(String), versionCount: 1, deprecated: false, metadata: { team: 'blue', horizon: 'launch' }, license: 'MIT', icon: null,
    });
    expect((await list('keyword=nginx&fields=description,metadata.horizon')).items).toEqual([{ id: 'acme/web-server', description: 'An nginx web server on Nova', metadata: { horizon: 'launch' } }]);
    expect((await list('keyword=nginx&fields=metadata.nope')).items).toEqual([{ id: 'acme/web-server', metadata: {} }]);
    const [full] = (await list('keyword=nginx&fields=versions,interface,labels,authors')).items;
    expect(full).toMatchObject({ versions: [{ version: '1.0.0', deprecated: false, yanked: false }], labels: [], authors: [],
      interface: { parameters: [{ name: 'flavor', type: 'string' }, { name: 'image', type: 'string' }], resourceTypes: ['OS::Neutron::Net', 'OS::Nova::Server'], outputs: ['out'] } });
  });

  test('facets count the current filter', async () => {
    const page = await list('q=web&facets=keywords,namespaces,licenses,resource_types');
    expect(page.facets?.namespaces).toEqual([{ value: 'acme', count: 2 }, { value: 'beta', count: 1 }]);
    expect(page.facets?.keywords?.[0]).toEqual({ value: 'web', count: 2 });
    expect(page.facets?.licenses).toEqual([{ value: 'MIT', count: 1 }]);
    expect(page.facets?.resource_types).toEqual(expect.arrayContaining([{ value: 'OS::Neutron::LBaaS::LoadBalancer', count: 1 }]));
    expect((await list('namespace=beta&facets=namespaces')).facets).toEqual({ namespaces: [{ value: 'beta', count: 3 }] });
  });

  test('a private namespace is invisible to those who may not read it: items, total, facets, namespaces', async () => {
    const anon = await list('keyword=web&facets=namespaces,licenses');
    expect(anon.items.map((i) => i.id)).not.toContain('secret/vault');
    expect(anon.total).toBe(2);
    expect(anon.facets?.namespaces?.map((f) => f.value)).toEqual(['acme', 'beta']);
    expect(anon.facets?.licenses).toEqual([{ value: 'MIT', count: 1 }]);
    expect(await list('namespace=secret')).toEqual({ items: [], nextCursor: null, total: 0 });
    expect(await ids('q=vault')).toEqual([]);
    const spaces = await (await fetch(`${server.url}/api/v1/namespaces`)).json() as { items: { namespace: string }[] };
    expect(spaces.items.map((n) => n.namespace)).toEqual(['acme', 'beta']);

    const admin = await list('keyword=web&facets=namespaces', auth());
    expect(admin.items.map((i) => i.id)).toContain('secret/vault');
    expect(admin.total).toBe(3);
    expect(admin.facets?.namespaces?.map((f) => f.value)).toContain('secret');
    const all = await (await fetch(`${server.url}/api/v1/namespaces`, { headers: auth() })).json();
    expect(all).toEqual({ items: [{ namespace: 'acme', templates: 3 }, { namespace: 'beta', templates: 3 }, { namespace: 'secret', templates: 1 }] });
  });

  test('a forged relevance cursor naming a private template learns nothing: the page is the same as for a missing one', async () => {
    const probe = async (id: string) => {
      // a genuine cursor of this query, its position swapped for the probed id and a score below everything
      const page = await list('q=web&limit=1');
      const c = JSON.parse(Buffer.from(page.nextCursor ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      return list(`q=web&limit=1&cursor=${Buffer.from(JSON.stringify({ ...c, i: id, k: -1e9 })).toString('base64url')}`);
    };
    expect(await ids('q=web', auth())).toContain('secret/vault'); // it matches the query, for those who may see it
    expect(await probe('secret/vault')).toEqual(await probe('secret/nothing-here'));
  });

  test.each([
    ['foo=1', 'foo'],
    ['keywords=web', 'keywords'],
    ['sort=name&sort=updated', 'sort'],
    ['q=a&q=b', 'q'],
    ['sort=popular', 'sort'],
    ['order=up', 'order'],
    ['deprecated=maybe', 'deprecated'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['namespace=Bad..Name', 'namespace'],
    ['license=', 'license'],
    ['license=MIT&license=Apache-2.0', 'license'],
    [`license=${'x'.repeat(129)}`, 'license'],
    ['resource_type=OS::*::Server', 'resource_type'],
    ['resource_type=*', 'resource_type'],
    ['fields=secret', 'fields'],
    ['facets=authors', 'facets'],
    [`q=${'a'.repeat(257)}`, 'q'],
    [`q=${Array.from({ length: 17 }, (_, i) => `w${i}`).join('+')}`, 'q'],
    ['cursor=not-a-cursor', 'cursor'],
    ['meta.=x', 'meta.'],
  ])('?%s is 400 naming %s', async (query, name) => {
    const res = await fetch(`${server.url}/api/v1/templates?${query}`);
    expect(res.status).toBe(400);
    const p = await res.json() as { detail: string; code: string };
    expect(p.detail).toContain(name);
    expect(p.detail).toMatch(/\.$/);
  });

  test('GET /namespaces takes no parameters', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces?namespace=acme`);
    expect(res.status).toBe(400);
    expect((await res.json() as { detail: string }).detail).toContain('namespace');
  });

  test.each(['"', 'AND', 'OR NOT x', 'NEAR(a b)', '*', 'name:web', 'web)', '{name}:x', '^web', '--', '"" ""', 'a"b"c', '\'', ';DROP TABLE templates'])('q=%s is never an FTS syntax error', async (q) => {
    expect((await fetch(`${server.url}/api/v1/templates?q=${encodeURIComponent(q)}`)).status).toBe(200);
  });

  test('a cursor belongs to its query', async () => {
    const first = await list('limit=1&keyword=web');
    const res = await fetch(`${server.url}/api/v1/templates?limit=1&keyword=db&cursor=${first.nextCursor ?? ''}`);
    expect(res.status).toBe(400);
    expect((await res.json() as { detail: string }).detail).toMatch(/other filters/);
  });

  test('pages stay correct while templates are added, by name and by relevance', async () => {
    for (const [query, added] of [['limit=2', ['aaa/first', 'zzz/last']], ['limit=1&q=web', ['aaa/web-a', 'zzz/web-z']]] as const) {
      const before = await ids(`${query.replace(/limit=\d+/, 'limit=100')}`);
      const seen: string[] = [];
      let cursor: string | null = null;
      let n = 0;
      do {
        const page: Listing = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i) => String(i.id)));
        cursor = page.nextCursor;
        if (n < added.length) await publishSpec(added[n] ?? '', { description: 'web things', keywords: ['web'], types: ['OS::Heat::RandomString'], params: [] });
        n++;
      } while (cursor && n < 50);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(before));
    }
  });

  test('a push is found by the next search; concurrent publishes are all indexed', async () => {
    const w = await WorkRepo.create();
    try {
      await w.commit({ 'template.yaml': hotTemplate(1), 'heater.yaml': 'description: Pushed just now\nkeywords: [pushed]\n' });
      await w.tag('v3.0.0');
      expect((await w.run(['push', `${server.authUrl}/git/pushed.git`, 'main', 'v3.0.0'])).code).toBe(0);
      expect((await list('keyword=pushed')).items).toMatchObject([{ id: 'git/pushed', latestVersion: '3.0.0', description: 'Pushed just now' }]);
    } finally { await w.cleanup(); }
    await Promise.all(Array.from({ length: 6 }, (_, i) => publishSpec(`many/t${i}`, { description: 'parallel', keywords: ['parallel'], types: ['OS::Heat::RandomString'], params: [] })));
    expect((await list('keyword=parallel')).total).toBe(6);
    expect((await fetch(`${server.url}/api/v1/templates/many/t0`, { method: 'DELETE', headers: auth() })).status).toBe(204);
    expect((await list('keyword=parallel')).total).toBe(5);
  });
});

describe('healing across restarts', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'heater-heal-')); });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    expect(await waitNoGitChildren(3000)).toEqual([]);
  });

  test('changed with git, copied in and removed while the server was down; then the index file deleted, then corrupt', async () => {
    server = await startServer({}, { reposDir: dir });
    for (const id of ['acme/web-server', 'beta/cache', 'beta/dns']) await publishSpec(id, CORPUS[id] as Spec);
    await server.close();

    const gitDir = (id: string) => path.join(dir, `${id}.git`);
    await gitOk(['--git-dir', gitDir('acme/web-server'), 'tag', 'v2.0.0', 'main']); // a version made with git directly
    await cp(gitDir('beta/cache'), gitDir('corp/copied'), { recursive: true });
    await rm(gitDir('beta/dns'), { recursive: true });

    const expected = [['acme/web-server', '2.0.0'], ['beta/cache', '1.0.0'], ['corp/copied', '1.0.0']];
    const state = async () => (await list('')).items.map((i) => [i.id, i.latestVersion]);
    server = await startServer({}, { reposDir: dir });
    expect(await state()).toEqual(expected);
    await server.close();

    await rm(path.join(dir, '.heater', 'catalog.sqlite'));
    server = await startServer({}, { reposDir: dir });
    expect(await state()).toEqual(expected);
    await server.close();

    for (const f of ['catalog.sqlite-wal', 'catalog.sqlite-shm']) await rm(path.join(dir, '.heater', f), { force: true });
    await writeFile(path.join(dir, '.heater', 'catalog.sqlite'), Buffer.alloc(8192, 7));
    server = await startServer({}, { reposDir: dir });
    expect(await state()).toEqual(expected);
    await server.close();
  });
});
