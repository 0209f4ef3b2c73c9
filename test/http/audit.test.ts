// GET /api/v1/audit: the audit log from the index; filters, keyset pages, namespace admins' reach, the index caught up from the file.
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { OpenApiContract } from '../helpers/schema';
import { hotTemplate } from '../helpers/git-client';

const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));

interface Entry { time: string; action: string; actor: { name: string }; template?: string; namespace?: string; ok: boolean; detail?: string }
interface Page { items: Entry[]; nextCursor: string | null }

let dir: string;
let server: TestServer;
const tok: Record<string, string> = {};
const as = (who: string): Record<string, string> => (who === 'anonymous' ? {} : { Authorization: `Bearer ${who === 'root' ? server.token : tok[who] ?? ''}` });

async function publish(who: string, id: string, version: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/templates/${id}/versions`, { method: 'POST', headers: { ...as(who), 'Content-Type': 'application/json' }, body: JSON.stringify({ version, files: { 'template.yaml': hotTemplate(1) } }) });
  if (res.status !== 201) throw new Error(`publish ${id} ${version}: ${res.status} ${await res.text()}`);
}

async function audit(query: string, who = 'root'): Promise<{ status: number; body: Page & { detail?: string } }> {
  const res = await fetch(`${server.url}/api/v1/audit${query ? `?${query}` : ''}`, { headers: as(who) });
  return { status: res.status, body: await res.json() as Page & { detail?: string } };
}

/** Every entry of a query, page by page. */
async function walk(query: string, who = 'root', from: string | null = null): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = from;
  do {
    const { status, body }: { status: number; body: Page } = await audit(`${query}${cursor ? `&cursor=${cursor}` : ''}`, who);
    expect(status).toBe(200);
    out.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heater-audit-'));
  server = await startServer({}, { reposDir: dir });
  for (const [name, scopes] of [['acme-admin', ['admin:acme']], ['acme-writer', ['write:acme']]] as const) {
    const r = await fetch(`${server.url}/api/v1/tokens`, { method: 'POST', headers: { ...as('root'), 'Content-Type': 'application/json' }, body: JSON.stringify({ name, scopes }) });
    tok[name] = ((await r.json()) as { token: string }).token;
  }
  await publish('root', 'acme/web', '1.0.0');
  await publish('root', 'beta/db', '1.0.0');
  await publish('acme-admin', 'acme/app', '1.0.0');
  await publish('acme-writer', 'acme/web', '1.1.0');
  await publish('root', 'secret/vault', '1.0.0');
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('a registry admin sees every entry, newest first, as the file has them', async () => {
  const { status, body } = await audit('');
  expect(status).toBe(200);
  expect(contract.schemaErrors(contract.schema('AuditPage'), body)).toEqual([]);
  const lines = (await readFile(path.join(dir, '.heater', 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Entry);
  expect(body.items).toEqual(lines.reverse());
  expect(body.items.map((e) => e.action)).toEqual(expect.arrayContaining(['token.create', 'version.publish']));
});

test('a namespace admin sees its namespaces only; a writer is refused, a stranger challenged', async () => {
  const mine = await walk('limit=100', 'acme-admin');
  expect(mine.length).toBeGreaterThan(0);
  expect(new Set(mine.map((e) => e.template?.split('/')[0] ?? e.namespace))).toEqual(new Set(['acme']));
  expect(mine.filter((e) => e.action === 'version.publish').map((e) => e.template)).toEqual(['acme/web', 'acme/app', 'acme/web']);
  // another namespace's template asked by name: nothing, as if it had no entries
  expect((await audit('template=beta/db', 'acme-admin')).body.items).toEqual([]);
  expect((await audit('', 'acme-writer')).status).toBe(403);
  expect((await audit('', 'anonymous')).status).toBe(401);
});

test('filters narrow, alone and together', async () => {
  expect((await walk('template=acme/web')).map((e) => [e.action, e.actor.name])).toEqual([['version.publish', 'acme-writer'], ['version.publish', 'admin']]);
  expect((await walk('actor=acme-admin')).map((e) => e.template)).toEqual(['acme/app']);
  expect((await walk('action=token.create')).map((e) => e.action)).toEqual(['token.create', 'token.create']);
  expect((await walk('action=version.publish&actor=admin')).map((e) => e.template)).toEqual(['secret/vault', 'beta/db', 'acme/web']);
  const all = await walk('');
  const middle = all[3] as Entry;
  const since = await walk(`since=${encodeURIComponent(middle.time)}`);
  expect(since.every((e) => e.time >= middle.time)).toBe(true);
  expect(since).toContainEqual(middle);
  const until = await walk(`until=${encodeURIComponent(middle.time)}`);
  expect(until.every((e) => e.time < middle.time)).toBe(true);
  expect(since.length + until.length).toBe(all.length);
  expect(await walk('since=2000-01-01&until=2000-01-02')).toEqual([]);
});

test('pages by a keyset cursor: every entry once, and entries added meanwhile do not shift the pages', async () => {
  const all = await walk('');
  const first = await audit('limit=2');
  expect(first.body.items).toEqual(all.slice(0, 2));
  await publish('root', 'acme/web', '1.2.0');
  const rest = await walk('limit=2', 'root', first.body.nextCursor);
  expect([...first.body.items, ...rest]).toEqual(all);
  expect((await audit(`limit=2&action=push&cursor=${first.body.nextCursor ?? ''}`)).status).toBe(400);
});

test.each([
  ['namespace=acme', 'namespace'], ['template=acme', 'template'], ['action=explode', 'action'], ['since=yesterday', 'since'],
  ['until=2026-13-01', 'until'], ['limit=0', 'limit'], ['limit=101', 'limit'], ['actor=a&actor=b', 'actor'], ['cursor=%2F%2F', 'cursor'],
])('GET /api/v1/audit?%s -> 400 naming %s', async (query, name) => {
  const { status, body } = await audit(query);
  expect(status).toBe(400);
  expect(body.detail).toContain(name);
});

test('the table is derived: lines the file has beyond it are read at start-up, and a deleted index is filled again', async () => {
  const before = await walk('');
  await server.close();
  const line = { time: new Date().toISOString(), action: 'token.revoke', actor: { name: 'os-user', address: 'cli' }, ok: true, detail: 'old', via: 'cli' };
  await appendFile(path.join(dir, '.heater', 'audit.log'), `${JSON.stringify(line)}\n`);
  server = await startServer({}, { reposDir: dir });
  expect(await walk('')).toEqual([line, ...before]);
  await server.close();
  await rm(path.join(dir, '.heater', 'catalog.sqlite'), { force: true });
  server = await startServer({}, { reposDir: dir });
  expect(await walk('')).toEqual([line, ...before]);
  // rotated with copy-and-truncate while the server runs: the next write's line starts a new file, which is read from its start
  await writeFile(path.join(dir, '.heater', 'audit.log'), '');
  await publish('root', 'acme/web', '1.3.0');
  expect((await walk('')).map((e) => e.detail)).toEqual(['1.3.0']);
});

test('a write is in the next audit read, and so is a line the CLI appended while the server runs', async () => {
  await publish('root', 'acme/web', '1.4.0');
  expect((await audit('limit=1')).body.items.map((e) => e.detail)).toEqual(['1.4.0']);
  const line = { time: new Date().toISOString(), action: 'token.revoke', actor: { name: 'os-user', address: 'cli' }, ok: true, detail: 'by the cli', via: 'cli' };
  await appendFile(path.join(dir, '.heater', 'audit.log'), `${JSON.stringify(line)}\n`);
  expect((await audit('limit=2')).body.items.map((e) => e.detail)).toEqual(['by the cli', '1.4.0']);
});
