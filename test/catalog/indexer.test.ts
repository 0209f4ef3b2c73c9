// The indexer: entries read from git through the registry, kept current by write events, healed from the repositories.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RepoStore, parseTemplateId } from '../../src/git/store';
import { RefCache } from '../../src/git/refs';
import { CatFilePool } from '../../src/git/catfile-pool';
import { ObjectReader } from '../../src/git/objects';
import { NamespaceSettingsStore } from '../../src/registry/namespace-settings';
import { Registry, type TemplateReading } from '../../src/registry/registry';
import { SqliteCatalog } from '../../src/catalog/sqlite-catalog';
import { Indexer } from '../../src/catalog/indexer';
import { ReadBarrierCatalog } from '../../src/catalog/read-barrier';
import { NotDirect } from '../../src/git/direct-reader';
import { WriteEvents, type WriteEvent } from '../../src/events/write-events';
import type { CatalogEntry } from '../../src/catalog/catalog-store';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';
import { waitNoGitChildren } from '../helpers/server';
import { Readiness } from '../../src/http/readiness';

const MANIFEST = `description: A web server behind a load balancer
keywords: [web, lb]
metadata: { team: blue }
license: MIT
authors: ["Ada <ada@example.com>"]
`;

let dir: string;
let work: WorkRepo;
let pool: CatFilePool;
let catalog: SqliteCatalog;
let indexer: Indexer;
let reader: ReadBarrierCatalog;
let events: WriteEvents;
let store: RepoStore;
const warnings: string[] = [];
const web = parseTemplateId('acme', 'web');

/** A bare repo at acme/web made with git alone (no server, no hooks), filled from the work repo. */
async function fetchInto(t = web): Promise<void> {
  const gitDir = store.gitDir(t);
  await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]).catch(() => undefined);
  await gitOk(['--git-dir', gitDir, 'config', 'heater.created', '2026-01-01T00:00:00.000Z']); // as Heater's own repos have it
  await gitOk(['--git-dir', gitDir, 'fetch', '-q', '--force', work.dir, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
}

const event = (t = web, action: WriteEvent['action'] = 'push'): WriteEvent => ({ action, via: 'git', actor: { name: 'admin', address: '127.0.0.1' }, template: t, namespace: t.namespace, refs: [], ok: true });

async function entries(): Promise<CatalogEntry[]> {
  return (await reader.search({ visible: ['acme', 'beta'], text: { include: [], exclude: [] }, keywords: [], metadata: [], resourceTypes: [], parameters: [], sort: 'name', order: 'asc', limit: 100 })).items as CatalogEntry[];
}

function open(): void {
  pool = new CatFilePool(8);
  const registry = new Registry(store, new RefCache(), new ObjectReader(pool, 1 << 20), pool, new NamespaceSettingsStore(store.stateDir, { semver: 'warn', anonymousRead: true }), { maxFileBytes: 16 << 20 });
  catalog = SqliteCatalog.open(path.join(store.stateDir, 'catalog.sqlite'));
  indexer = new Indexer(store, registry, catalog, (m) => warnings.push(m));
  reader = new ReadBarrierCatalog(catalog, indexer);
  events = new WriteEvents((name, e) => { throw new Error(`${name}: ${e.message}`); });
  events.subscribe('catalog', indexer.onWrite);
}

async function shut(): Promise<void> {
  await indexer.close();
  catalog.close();
  pool.close();
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heater-indexer-'));
  store = new RepoStore(dir);
  await store.init();
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1), 'heater.yaml': MANIFEST }, 'first');
  await work.tag('v1.0.0');
  warnings.length = 0;
  open();
});

afterEach(async () => {
  await shut();
  await work.cleanup();
  await rm(dir, { recursive: true, force: true });
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('an entry holds the latest version\'s manifest and interface, the versions, labels and times', async () => {
  await work.commit({ 'template.yaml': hotTemplate(2) }, 'second');
  await work.tag('v1.1.0');
  await work.tag('stable', { lightweight: true });
  await work.commit({ 'template.yaml': hotTemplate(3) }, 'third');
  await work.tag('v2.0.0-rc.1');
  await fetchInto();
  expect(await indexer.reindex(web)).toBe('added');
  const [e] = await entries();
  expect(e).toMatchObject({
    id: 'acme/web', namespace: 'acme', name: 'web', description: 'A web server behind a load balancer', keywords: ['web', 'lb'], metadata: { team: 'blue' },
    license: 'MIT', authors: [{ name: 'Ada', email: 'ada@example.com' }], entrypoint: 'template.yaml', latestVersion: '1.1.0', versionCount: 3, deprecated: false,
    labels: [{ name: 'stable', version: '1.1.0' }],
    interface: { heatTemplateVersion: '2021-04-16', parameters: [{ name: 'flavor', type: 'string' }], resourceTypes: ['OS::Nova::Server'], outputs: ['ip'] },
  });
  expect(e?.versions.map((v) => v.version)).toEqual(['2.0.0-rc.1', '1.1.0', '1.0.0']);
  expect(Date.parse(e?.created ?? '')).not.toBeNaN();
  expect(Date.parse(e?.updated ?? '')).not.toBeNaN();
});

test('a write answers before its reindex; reads through the barrier wait for it, and answers kept from the index are not current meanwhile', async () => {
  await fetchInto();
  await events.emit(event());
  await indexer.settled();
  const before = reader.revision(0);
  expect(Number.isNaN(before)).toBe(false);
  await work.commit({ 'template.yaml': hotTemplate(2) }, 'second');
  await work.tag('v1.1.0');
  await fetchInto();
  await events.emit(event()); // returns with the reindex under way
  expect(indexer.pending).toBe(1);
  expect(Number.isNaN(reader.revision(0))).toBe(true); // NaN equals nothing: no kept answer holds
  expect((await catalog.versionRecords('acme/web')).map((v) => v.entry.version)).toEqual(['1.0.0']); // the index itself is behind
  const [records, listed] = await Promise.all([reader.versionRecords('acme/web'), entries()]);
  expect(records.map((v) => v.entry.version)).toEqual(['1.1.0', '1.0.0']);
  expect(listed[0]?.latestVersion).toBe('1.1.0');
  expect(indexer.pending).toBe(0);
  expect(indexer.settled()).toBeNull();
  expect(reader.revision(0)).not.toBe(before);
  expect(Number.isNaN(reader.revision(0))).toBe(false);
});

test('write events keep the entry current: a new version, then nothing new, then the repository gone', async () => {
  await fetchInto();
  await events.emit(event());
  expect((await entries())[0]?.latestVersion).toBe('1.0.0');
  await work.commit({ 'template.yaml': hotTemplate(2) }, 'second');
  await work.tag('v1.1.0');
  await fetchInto();
  await events.emit(event());
  expect((await entries())[0]?.latestVersion).toBe('1.1.0');
  expect(await indexer.reindex(web)).toBe('unchanged');
  await rm(store.gitDir(web), { recursive: true });
  await events.emit(event(web, 'template.delete'));
  expect(await entries()).toEqual([]);
  await events.emit({ ...event(), template: undefined, action: 'namespace.update' }); // nothing to re-read
});

test('a write whose reindex fails is tried again until it succeeds, without a restart', async () => {
  await fetchInto();
  await events.emit(event());
  await work.commit({ 'template.yaml': hotTemplate(2) }, 'second');
  await work.tag('v1.1.0');
  await fetchInto();
  // git cannot read the refs for a moment (a real fault: git itself refuses this repository)
  const packed = path.join(store.gitDir(web), 'packed-refs');
  await rm(packed, { force: true });
  await mkdir(packed);
  indexer.onWrite(event()); // the write has answered: its reindex runs (and fails) behind it
  await indexer.settled();
  expect(warnings.find((w) => w.includes('after a write'))).toMatch(/^catalog: cannot index acme\/web after a write: .*packed-refs.*; trying again$/);
  expect(indexer.behind).toBe(1);
  expect((await entries())[0]?.latestVersion).toBe('1.0.0');
  await rm(packed, { recursive: true });
  for (let i = 0; i < 100 && indexer.behind > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(indexer.behind).toBe(0);
  expect((await entries())[0]?.latestVersion).toBe('1.1.0');
});

test('/readyz\'s index check fails while a write\'s reindex waits for its retry, and passes once it succeeded', async () => {
  const readiness = new Readiness({ stateDir: store.stateDir, indexBehind: () => indexer.behind, isShuttingDown: () => false });
  await fetchInto();
  expect(await readiness.check()).toEqual({ ready: true, checks: { dataDir: 'ok', git: 'ok', index: 'ok', shutdown: 'ok' } });
  const packed = path.join(store.gitDir(web), 'packed-refs');
  await rm(packed, { force: true });
  await mkdir(packed);
  indexer.onWrite(event()); // the write has answered: its reindex runs (and fails) behind it
  await indexer.settled();
  expect(warnings.find((w) => w.includes('after a write'))).toMatch(/^catalog: cannot index acme\/web after a write: .*packed-refs.*; trying again$/);
  const behind = await readiness.check();
  expect(behind.ready).toBe(false);
  expect(behind.checks.index).toBe('1 template is not indexed yet (a reindex failed and is retried)');
  await rm(packed, { recursive: true });
  for (let i = 0; i < 100 && indexer.behind > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await readiness.check()).ready).toBe(true);
});

test('a failed try is tried again later, and close() stops the tries', async () => {
  await fetchInto();
  const packed = path.join(store.gitDir(web), 'packed-refs');
  await rm(packed, { force: true });
  await mkdir(packed);
  indexer.onWrite(event()); // the write has answered: its reindex runs (and fails) behind it
  await indexer.settled();
  expect(warnings.find((w) => w.includes('after a write'))).toMatch(/^catalog: cannot index acme\/web after a write: .*packed-refs.*; trying again$/);
  for (let i = 0; i < 60 && !warnings.some((w) => w.includes('try 2')); i++) await new Promise((r) => setTimeout(r, 50));
  expect(warnings.find((w) => w.includes('try 2'))).toMatch(/^catalog: cannot index acme\/web yet \(try 2\): .*packed-refs/);
  expect(indexer.behind).toBe(1); // the second try waits twice as long
  await indexer.close();
  expect(indexer.behind).toBe(0);
  await rm(packed, { recursive: true });
});

test('concurrent reindexes of one template end with the newest refs', async () => {
  await fetchInto();
  const first = indexer.reindex(web);
  await work.commit({ 'template.yaml': hotTemplate(2) }, 'second');
  await work.tag('v1.1.0');
  await fetchInto();
  await Promise.all([first, indexer.reindex(web), indexer.reindex(web)]);
  expect((await entries())[0]?.latestVersion).toBe('1.1.0');
});

test('heal reads only what changed, added, copied in or removed behind its back', async () => {
  const db = parseTemplateId('beta', 'db');
  await fetchInto();
  await fetchInto(db);
  expect(await indexer.heal()).toMatchObject({ added: 2, changed: 0, removed: 0, unchanged: 0, failed: 0 });
  expect(await indexer.heal()).toMatchObject({ added: 0, changed: 0, removed: 0, unchanged: 2 });
  await shut();

  // while "the server is down": a version added with git, a repository copied in, one removed
  await work.commit({ 'template.yaml': hotTemplate(3) }, 'third');
  await work.tag('v1.2.0');
  await fetchInto();
  await cp(store.gitDir(web), store.gitDir(parseTemplateId('acme', 'copy')), { recursive: true });
  await rm(store.gitDir(db), { recursive: true });
  open();
  expect(await indexer.heal()).toMatchObject({ added: 1, changed: 1, removed: 1, unchanged: 0, failed: 0 });
  expect((await entries()).map((e) => [e.id, e.latestVersion])).toEqual([['acme/copy', '1.2.0'], ['acme/web', '1.2.0']]);
});

test('a restored repository with the same refs is restamped, not read again; different refs are', async () => {
  await fetchInto();
  await indexer.heal();
  const backup = path.join(dir, '.heater', 'backup.git');
  await cp(store.gitDir(web), backup, { recursive: true });
  await rm(store.gitDir(web), { recursive: true });
  await cp(backup, store.gitDir(web), { recursive: true }); // new inodes, same refs
  expect(await indexer.heal()).toMatchObject({ unchanged: 1, changed: 0 });
  expect(await indexer.heal()).toMatchObject({ unchanged: 1 });
  await gitOk(['--git-dir', store.gitDir(web), 'tag', '-d', 'v1.0.0']);
  expect(await indexer.heal()).toMatchObject({ changed: 1 });
  expect((await entries())[0]?.latestVersion).toBeNull();
});

test('rebuild empties the index and reads every repository again; a broken repository is reported, the rest indexed', async () => {
  await fetchInto();
  await indexer.heal();
  const ghost = { ...((await entries())[0] as CatalogEntry), id: 'acme/ghost', name: 'ghost' };
  await catalog.transaction((w) => w.upsert(ghost, { files: 'x', refs: 'y' }));
  await gitOk(['init', '-q', '--bare', store.gitDir(parseTemplateId('beta', 'broken'))]);
  await rm(path.join(store.gitDir(parseTemplateId('beta', 'broken')), 'objects'), { recursive: true });
  const report = await indexer.rebuild();
  expect(report.added).toBeGreaterThanOrEqual(1);
  expect((await entries()).map((e) => e.id)).toEqual(expect.arrayContaining(['acme/web']));
  expect((await entries()).map((e) => e.id)).not.toContain('acme/ghost');
});

test('a rebuild (read in-process) and incremental indexing through git give identical entries; odd repositories fall back to git', async () => {
  await work.commit({ 'template.yaml': hotTemplate(2), 'nested/dir/x.yaml': 'a: 1\n' }, 'second\n\nwith a body');
  await work.tag('v1.1.0');
  await work.tag('stable', { lightweight: true });
  await work.tag('team/beta', { lightweight: true });
  await work.commit({ 'template.yaml': hotTemplate(3) }, 'third');
  await work.tag('v2.0.0-rc.1');
  await work.git(['tag', '-a', '-m', 'a subject\nfolded over two lines', 'v2.0.0']); // not read in-process: falls back to git
  await fetchInto();
  const packed = parseTemplateId('acme', 'packed');
  await fetchInto(packed);
  await gitOk(['--git-dir', store.gitDir(packed), 'tag', '-d', 'v2.0.0']);
  await gitOk(['--git-dir', store.gitDir(packed), 'gc', '-q', '--aggressive']); // deltas, packed-refs
  await fetchInto(parseTemplateId('beta', 'db'));
  await gitOk(['--git-dir', store.gitDir(parseTemplateId('beta', 'db')), 'tag', '-d', 'v2.0.0']);
  await gitOk(['--git-dir', store.gitDir(parseTemplateId('beta', 'db')), 'repack', '-q', '-a', '-d']);
  await indexer.rebuild();
  const rebuilt = await entries();
  expect(rebuilt.map((e) => e.id)).toEqual(['acme/packed', 'acme/web', 'beta/db']);
  const registry = new Registry(store, new RefCache(), new ObjectReader(pool, 1 << 20), pool, new NamespaceSettingsStore(store.stateDir, { semver: 'warn', anonymousRead: true }), { maxFileBytes: 16 << 20 });
  for (const e of rebuilt) {
    const t = parseTemplateId(e.namespace, e.name);
    const sourcesOf = async (r: TemplateReading) => r.sources;
    const viaGit = await registry.read(t, sourcesOf);
    if (e.id === 'acme/web') { await expect(registry.readDirect(t, sourcesOf)).rejects.toThrow(NotDirect); continue; }
    expect(await registry.readDirect(t, sourcesOf)).toEqual(viaGit);
    expect(viaGit.refs.tags.size).toBe(5);
  }
  await catalog.transaction((w) => w.clear());
  for (const e of rebuilt) expect(await indexer.reindex(parseTemplateId(e.namespace, e.name))).toBe('added');
  expect(await entries()).toEqual(rebuilt);
});
