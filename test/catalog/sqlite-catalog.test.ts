// The SQLite store on its own: entries in and out, every filter, ranking, keyset pages, facets, a bad file rebuilt.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, SqliteCatalog } from '../../src/catalog/sqlite-catalog';
import type { CatalogEntry, CatalogQuery, VersionRecord } from '../../src/catalog/catalog-store';
import type { TemplateUse } from '../../src/catalog/template-uses';
import { parseTextQuery } from '../../src/catalog/text-query';

let dir: string;
let file: string;
let catalog: SqliteCatalog;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heater-catalog-'));
  file = path.join(dir, 'catalog.sqlite');
  catalog = SqliteCatalog.open(file);
});
afterEach(async () => {
  catalog.close();
  await rm(dir, { recursive: true, force: true });
});

/** An entry with defaults; `types` and `params` make its interface. */
function entry(id: string, over: Partial<CatalogEntry> & { types?: string[]; params?: string[] } = {}): CatalogEntry {
  const [namespace = '', name = ''] = id.split('/');
  const { types = ['OS::Nova::Server'], params = ['flavor'], ...rest } = over;
  return {
    namespace, name, id, description: '', keywords: [], metadata: {}, entrypoint: 'template.yaml', icon: null, authors: [], license: null, homepage: null,
    latestVersion: '1.0.0', deprecated: false, versionCount: 1, versions: [{ version: '1.0.0', created: '2026-01-01T00:00:00.000Z', deprecated: false, yanked: false }],
    labels: [], created: '2026-01-01T00:00:00.000Z', updated: '2026-01-01T00:00:00.000Z',
    interface: { heatTemplateVersion: '2021-04-16', parameters: params.map((p) => ({ name: p, type: 'string' })), resourceTypes: types, outputs: [] },
    ...rest,
  };
}

const STAMP = { files: 'f', refs: 'r' };
const put = (...entries: CatalogEntry[]) => catalog.transaction((w) => { for (const e of entries) w.upsert(e, STAMP); });

function query(over: Partial<Omit<CatalogQuery, 'text'>> & { q?: string } = {}): CatalogQuery {
  const { q = '', ...rest } = over;
  const text = parseTextQuery(q) ?? { include: [], exclude: [] };
  return { visible: ['acme', 'beta', 'corp'], text, keywords: [], metadata: [], resourceTypes: [], parameters: [], sort: text.include.length ? 'relevance' : 'name', order: text.include.length ? 'desc' : 'asc', limit: 50, ...rest };
}
const ids = async (q: CatalogQuery) => (await catalog.search(q)).items.map((e) => e.id);

describe('entries', () => {
  test('an upsert replaces the entry and its rows; remove and clear take them out', async () => {
    await put(entry('acme/web', { keywords: ['web'] }));
    await put(entry('acme/web', { keywords: ['http'] }));
    expect(await ids(query({ keywords: ['web'] }))).toEqual([]);
    expect(await ids(query({ keywords: ['http'] }))).toEqual(['acme/web']);
    expect(await catalog.stamp('acme/web')).toEqual(STAMP);
    await catalog.transaction((w) => w.restamp('acme/web', { files: 'g', refs: 'r' }));
    expect((await catalog.stamps()).get('acme/web')).toEqual({ files: 'g', refs: 'r' });
    await catalog.transaction((w) => w.remove('acme/web'));
    expect(await ids(query({ q: 'web' }))).toEqual([]);
    await put(entry('acme/a'), entry('beta/b'));
    await catalog.transaction((w) => w.clear());
    expect(await catalog.stamps()).toEqual(new Map());
  });

  test('a transaction whose writer throws writes nothing', async () => {
    await expect(catalog.transaction((w) => { w.upsert(entry('acme/web'), STAMP); throw new Error('crash'); })).rejects.toThrow('crash');
    expect(await catalog.stamps()).toEqual(new Map());
  });
});

describe('version records', () => {
  const use = (template: string, file: string): TemplateUse => ({ template, ref: '^1', kind: 'range', file, via: 'nested', name: 'web', path: 'template.yaml' });
  /** A record of version `v` with tree `tree`; `uses` names the templates it uses. */
  const record = (v: string, tree = `tree-${v}`, uses: string[] = []): VersionRecord => ({
    entry: { version: v, tag: `v${v}`, commit: `c-${v}`, date: '2026-01-01T00:00:00.000Z', author: 'a', message: v, deprecated: null, yanked: null, previous: null, compat: { required: 'none', breaking: false, changes: [] } },
    uses: uses.map((t) => use(t, `${v}.yaml`)), tree, previousTree: '',
  });
  const putVersions = (records: VersionRecord[], into = catalog) => into.transaction((w) => { w.upsert(entry('acme/web'), STAMP); w.putVersions('acme/web', records); });

  // each write is a change to the rows of the one before; what is read back is what a write from nothing gives
  test.each<[string, string[], VersionRecord[]]>([
    ['a new highest version', ['3.0.0', '2.0.0', '1.0.0'], [record('4.0.0', 'tree-4', ['lib/b']), record('3.0.0', 'tree-3.0.0', ['lib/a']), record('2.0.0'), record('1.0.0', 'tree-1.0.0', ['lib/a', 'lib/b'])]],
    ['a version between two', ['3.0.0', '2.0.0', '1.0.0'], [record('3.0.0', 'tree-3.0.0', ['lib/a']), record('2.1.0', 'tree-21', ['lib/c']), record('2.0.0'), record('1.0.0', 'tree-1.0.0', ['lib/a', 'lib/b'])]],
    ['one changed, one gone', ['3.0.0', '2.0.0', '1.0.0'], [record('3.0.0', 'tree-3.0.0', ['lib/a']), record('1.0.0', 'other', ['lib/c'])]],
    ['every version gone', ['3.0.0', '2.0.0', '1.0.0'], []],
    ['all new', [], [record('2.0.0', 'tree-2.0.0', ['lib/a']), record('1.0.0')]],
  ])('%s: the records and uses read back are those written', async (_what, before, after) => {
    const first: Record<string, VersionRecord> = { '3.0.0': record('3.0.0', 'tree-3.0.0', ['lib/a']), '2.0.0': record('2.0.0'), '1.0.0': record('1.0.0', 'tree-1.0.0', ['lib/a', 'lib/b']) };
    await putVersions(before.map((v) => first[v] as VersionRecord));
    await putVersions(after);
    expect(await catalog.versionRecords('acme/web')).toEqual(after);
    expect(await catalog.versionTrees('acme/web')).toEqual(after.map((r) => ({ version: r.entry.version, commit: r.entry.commit, tree: r.tree })));
    const fresh = SqliteCatalog.open(path.join(dir, 'fresh.sqlite'));
    try {
      await putVersions(after, fresh);
      const uses = after.flatMap((r) => r.uses.map((u) => `${u.template} ${r.entry.version}`));
      for (const lib of ['lib/a', 'lib/b', 'lib/c']) {
        const found = await catalog.dependents(lib);
        expect(found).toEqual(await fresh.dependents(lib));
        expect(found.map((d) => `${lib} ${d.version}`)).toEqual(uses.filter((u) => u.startsWith(`${lib} `)));
      }
    } finally {
      fresh.close();
    }
  });
});

describe('version records kept in memory', () => {
  const record = (v: string, tree = `tree-${v}`): VersionRecord => ({
    entry: { version: v, tag: `v${v}`, commit: `c-${v}`, date: '2026-01-01T00:00:00.000Z', author: 'a', message: v, deprecated: null, yanked: null, previous: null, compat: { required: 'none', breaking: false, changes: [] } },
    uses: [], tree, previousTree: '',
  });
  const put = (into: SqliteCatalog, records: VersionRecord[]) => into.transaction((w) => w.putVersions('acme/web', records));

  test('a write by another connection (fsck --repair beside the server) is read, and written against', async () => {
    await put(catalog, [record('2.0.0'), record('1.0.0')]);
    expect((await catalog.versionRecords('acme/web')).map((r) => r.tree)).toEqual(['tree-2.0.0', 'tree-1.0.0']);
    const other = SqliteCatalog.open(file);
    try {
      await put(other, [record('2.0.0', 'other'), record('1.0.0')]);
    } finally { other.close(); }
    expect((await catalog.versionRecords('acme/web')).map((r) => r.tree)).toEqual(['other', 'tree-1.0.0']);
    await put(catalog, [record('2.0.0'), record('1.0.0')]);
    expect((await catalog.versionRecords('acme/web')).map((r) => r.tree)).toEqual(['tree-2.0.0', 'tree-1.0.0']);
    const fresh = SqliteCatalog.open(file);
    try {
      expect(await fresh.versionRecords('acme/web')).toEqual(await catalog.versionRecords('acme/web'));
    } finally { fresh.close(); }
  });

  test('records read back and handed in again, some changed in place, are written as changed', async () => {
    await put(catalog, [record('2.0.0'), record('1.0.0')]);
    const [two, one] = await catalog.versionRecords('acme/web') as [VersionRecord, VersionRecord];
    const edited: VersionRecord = { ...one, entry: { ...one.entry, message: 'reworded', deprecated: { message: 'old', by: 'admin', at: '2026-01-02T00:00:00.000Z' } } };
    await put(catalog, [record('3.0.0'), two, edited]);
    const after = await catalog.versionRecords('acme/web');
    expect(after.map((r) => `${r.entry.version} ${r.entry.message}`)).toEqual(['3.0.0 3.0.0', '2.0.0 2.0.0', '1.0.0 reworded']);
    const fresh = SqliteCatalog.open(file);
    try {
      expect(await fresh.versionRecords('acme/web')).toEqual(after);
    } finally { fresh.close(); }
  });

  test('a transaction that rolls back leaves what is read as the file has it', async () => {
    await put(catalog, [record('1.0.0')]);
    await expect(catalog.transaction((w) => { w.putVersions('acme/web', [record('2.0.0'), record('1.0.0')]); throw new Error('crash'); })).rejects.toThrow('crash');
    expect((await catalog.versionRecords('acme/web')).map((r) => r.entry.version)).toEqual(['1.0.0']);
    await put(catalog, [record('3.0.0'), record('1.0.0')]);
    expect((await catalog.versionRecords('acme/web')).map((r) => r.entry.version)).toEqual(['3.0.0', '1.0.0']);
  });
});

describe('filters', () => {
  beforeEach(async () => {
    await put(
      entry('acme/web', { keywords: ['web', 'nginx'], metadata: { team: 'blue', tier: 'gold' }, license: 'MIT', types: ['OS::Nova::Server', 'OS::Neutron::Port'], params: ['flavor', 'image'] }),
      entry('acme/lb', { keywords: ['network'], metadata: { team: 'red' }, types: ['OS::Neutron::LBaaS::LoadBalancer', 'OS::Neutron::LBaaS::Pool'], params: ['subnet'], deprecated: true }),
      entry('beta/db', { keywords: ['db', 'web'], metadata: { team: 'blue' }, license: 'Apache-2.0', types: ['OS::Trove::Instance'] }),
      entry('corp/x*y', { types: ['a*b'] }),
      entry('hidden/web', { keywords: ['web'] }),
    );
  });

  test.each<[string, Partial<CatalogQuery>, string[]]>([
    ['one keyword', { keywords: ['web'] }, ['acme/web', 'beta/db']],
    ['two keywords, both needed', { keywords: ['web', 'nginx'] }, ['acme/web']],
    ['metadata', { metadata: [{ key: 'team', value: 'blue' }] }, ['acme/web', 'beta/db']],
    ['two metadata entries', { metadata: [{ key: 'team', value: 'blue' }, { key: 'tier', value: 'gold' }] }, ['acme/web']],
    ['namespace', { namespace: 'acme' }, ['acme/lb', 'acme/web']],
    ['a hidden namespace', { namespace: 'hidden' }, []],
    ['an exact resource type', { resourceTypes: [{ type: 'OS::Neutron::Port', prefix: false }] }, ['acme/web']],
    ['a resource type prefix', { resourceTypes: [{ type: 'OS::Neutron::LBaaS::', prefix: true }] }, ['acme/lb']],
    ['a broader prefix', { resourceTypes: [{ type: 'OS::Neutron::', prefix: true }] }, ['acme/lb', 'acme/web']],
    ['GLOB characters in a prefix are literal', { resourceTypes: [{ type: 'a*', prefix: true }] }, ['corp/x*y']],
    ['a parameter', { parameters: ['image'] }, ['acme/web']],
    ['deprecated', { deprecated: true }, ['acme/lb']],
    ['not deprecated', { deprecated: false }, ['acme/web', 'beta/db', 'corp/x*y']],
    ['combined', { keywords: ['web'], metadata: [{ key: 'team', value: 'blue' }], namespace: 'beta', deprecated: false }, ['beta/db']],
  ])('%s', async (_what, filter, expected) => {
    const q = query(filter);
    expect(await ids(q)).toEqual(expected);
    expect((await catalog.search(q)).total).toBe(expected.length);
  });

  test('facets count the matching templates of the visible namespaces only', async () => {
    const f = await catalog.facets(query({ keywords: ['web'] }), ['keywords', 'namespaces', 'licenses', 'resource_types']);
    expect(f.keywords).toEqual([{ value: 'web', count: 2 }, { value: 'db', count: 1 }, { value: 'nginx', count: 1 }]);
    expect(f.namespaces).toEqual([{ value: 'acme', count: 1 }, { value: 'beta', count: 1 }]);
    expect(f.licenses).toEqual([{ value: 'Apache-2.0', count: 1 }, { value: 'MIT', count: 1 }]);
    expect(f.resource_types).toEqual([{ value: 'OS::Neutron::Port', count: 1 }, { value: 'OS::Nova::Server', count: 1 }, { value: 'OS::Trove::Instance', count: 1 }]);
    expect(await catalog.namespaces()).toEqual([{ namespace: 'acme', templates: 2 }, { namespace: 'beta', templates: 1 }, { namespace: 'corp', templates: 1 }, { namespace: 'hidden', templates: 1 }]);
  });
});

describe('full text', () => {
  beforeEach(async () => {
    await put(
      entry('acme/web-server', { description: 'An nginx web server on Nova', keywords: ['web'] }),
      entry('acme/postgresql', { description: 'A PostgreSQL database with replicas', keywords: ['db'] }),
      entry('acme/webhooks', { description: 'Receives webhooks', keywords: ['events'] }),
      entry('beta/cache', { description: 'A memcached cache for web servers', keywords: ['cache'] }),
      entry('beta/queue', { description: 'RabbitMQ', keywords: ['messaging'] }),
      entry('beta/dns', { description: 'Designate zones', keywords: ['dns'] }),
      entry('corp/server', { description: 'A bare server', keywords: ['compute'] }),
    );
  });

  test('a hit in the name ranks above one in the description; prefixes and stems match', async () => {
    expect(await ids(query({ q: 'server' }))).toEqual(['corp/server', 'acme/web-server', 'beta/cache']);
    expect(await ids(query({ q: 'postgres' }))).toEqual(['acme/postgresql']);
    expect((await ids(query({ q: 'web' })))[0]).toBe('acme/web-server');
  });

  test('quoted phrases, exclusions, and only exclusions', async () => {
    expect(await ids(query({ q: '"web server"' }))).toEqual(['acme/web-server', 'beta/cache']); // "web servers", stemmed
    expect(await ids(query({ q: '"nginx web"' }))).toEqual(['acme/web-server']);
    expect(await ids(query({ q: '"server web"' }))).toEqual([]);
    expect(await ids(query({ q: 'server -nginx' }))).toEqual(['corp/server', 'beta/cache']);
    expect(await ids(query({ q: '-server -web -webhooks' }))).toEqual(['acme/postgresql', 'beta/dns', 'beta/queue']);
  });

  test.each(['"', '"unterminated', 'AND', 'OR NOT', 'NEAR(a b)', '*', 'col:web', 'web)', '{name}: x', '^web', '-', '--', '"" ""', 'a"b"c'])('q=%s is no syntax error', async (q) => {
    await expect(catalog.search(query({ q }))).resolves.toBeDefined();
  });

  test('keyset pages by relevance: no item twice, none left out', async () => {
    const seen: string[] = [];
    let after: { key: string | number; id: string } | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await catalog.search({ ...query({ q: 'server web' }), limit: 1, ...(after ? { after } : {}) });
      seen.push(...page.items.map((e) => e.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(await ids(query({ q: 'server web' })));
    expect(seen.length).toBe(2);
  });
});

describe('order and pages', () => {
  beforeEach(async () => {
    await put(
      entry('acme/a', { created: '2026-01-03T00:00:00.000Z', updated: '2026-02-01T00:00:00.000Z', versionCount: 3 }),
      entry('acme/b', { created: '2026-01-01T00:00:00.000Z', updated: '2026-02-03T00:00:00.000Z', versionCount: 1 }),
      entry('beta/c', { created: '2026-01-02T00:00:00.000Z', updated: '2026-02-02T00:00:00.000Z', versionCount: 3 }),
    );
  });

  test.each<[CatalogQuery['sort'], CatalogQuery['order'], string[]]>([
    ['name', 'asc', ['acme/a', 'acme/b', 'beta/c']],
    ['name', 'desc', ['beta/c', 'acme/b', 'acme/a']],
    ['created', 'desc', ['acme/a', 'beta/c', 'acme/b']],
    ['created', 'asc', ['acme/b', 'beta/c', 'acme/a']],
    ['updated', 'desc', ['acme/b', 'beta/c', 'acme/a']],
    ['versions', 'desc', ['acme/a', 'beta/c', 'acme/b']],
    ['versions', 'asc', ['acme/b', 'acme/a', 'beta/c']],
  ])('sort=%s order=%s, one at a time', async (sort, order, expected) => {
    const seen: string[] = [];
    let after: { key: string | number; id: string } | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await catalog.search({ ...query({ sort, order }), limit: 1, ...(after ? { after } : {}) });
      expect(page.total).toBe(3);
      seen.push(...page.items.map((e) => e.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(expected);
  });
});

describe('the file', () => {
  test('is WAL, of this schema version; reopening keeps the entries', async () => {
    await put(entry('acme/web'));
    catalog.close();
    catalog = SqliteCatalog.open(file);
    expect(catalog.rebuilt).toBeNull();
    expect([...(await catalog.stamps()).keys()]).toEqual(['acme/web']);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  test('another schema version is rebuilt empty', async () => {
    await put(entry('acme/web'));
    catalog.close();
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    catalog = SqliteCatalog.open(file);
    expect(catalog.rebuilt).toMatch(/schema version is 999/);
    expect(await catalog.stamps()).toEqual(new Map());
  });

  test('garbage is rebuilt empty', async () => {
    catalog.close();
    await writeFile(file, 'this is not a database'.repeat(500));
    catalog = SqliteCatalog.open(file);
    expect(catalog.rebuilt).toMatch(/could not be read|integrity/);
    await put(entry('acme/web'));
    expect(await ids(query())).toEqual(['acme/web']);
  });
});
