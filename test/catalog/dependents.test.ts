// GET …/dependencies and …/dependents through the server: uses across namespaces, by version, range, label and latest; private ones hidden.
import path from 'node:path';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { OpenApiContract } from '../helpers/schema';

const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));

let server: TestServer;
const admin = () => ({ Authorization: `Bearer ${server.token}` });

const leaf = (n: number) => `heat_template_version: 2021-04-16\nparameters:\n  p${n}:\n    type: string\n    default: x\nresources:\n  r:\n    type: OS::Heat::RandomString\noutputs:\n  out:\n    value: 1\n`;
const url = (host: string, ref: string) => `${host}/api/v1/templates/acme/base/versions/${encodeURIComponent(ref)}/files/template.yaml`;
const nested = (type: string) => `heat_template_version: 2021-04-16\nresources:\n  base:\n    type: ${type}\noutputs:\n  out:\n    value: 1\n`;

async function publish(id: string, version: string, files: Record<string, string>): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/templates/${id}/versions`, { method: 'POST', headers: { ...admin(), 'Content-Type': 'application/json' }, body: JSON.stringify({ version, files }) });
  if (res.status !== 201) throw new Error(`publish ${id} ${version}: ${res.status} ${await res.text()}`);
}

async function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> & { items: Record<string, unknown>[] } }> {
  const res = await fetch(`${server.url}/api/v1/templates/${p}`, { headers });
  return { status: res.status, body: await res.json() as Record<string, unknown> & { items: Record<string, unknown>[] } };
}

beforeAll(async () => {
  server = await startServer();
  const patch = await fetch(`${server.url}/api/v1/namespaces/secret`, { method: 'PATCH', headers: { ...admin(), 'Content-Type': 'application/json' }, body: JSON.stringify({ anonymousRead: false }) });
  expect(patch.status).toBe(200);
  await publish('acme/base', '1.0.0', { 'template.yaml': leaf(1) });
  await publish('acme/base', '1.1.0', { 'template.yaml': leaf(2) });
  const label = await fetch(`${server.url}/api/v1/templates/acme/base/labels/stable`, { method: 'PUT', headers: { ...admin(), 'Content-Type': 'application/json' }, body: JSON.stringify({ ref: '1.1.0' }) });
  expect(label.status).toBe(200);
  await publish('acme/base', '2.0.0', { 'template.yaml': leaf(3) });
  // a range through this server's host, then a label through a read link in an environment, from another data directory's host
  await publish('acme/app', '1.0.0', { 'template.yaml': nested(url(server.url, '^1.0')) });
  await publish('acme/app', '1.1.0', {
    'template.yaml': nested(url(server.url, '^1.0')),
    'env.yaml': `resource_registry:\n  "Acme::Base": ${url('https://old-heater.example.com/l/some.link', 'stable')}\n`,
  });
  await publish('beta/other', '1.0.0', { 'template.yaml': nested(url('', '1.0.0')), 'env.yaml': 'resource_registry:\n  "Secret::Vault": /api/v1/templates/secret/vault/versions/latest/files/template.yaml\n' });
  await publish('secret/vault', '1.0.0', { 'template.yaml': nested(url(server.url, 'latest')) });
});

afterAll(async () => {
  await server.close();
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('dependents of acme/base: every version of every template that uses it, with its ref and whether that admits 2.0.0', async () => {
  const { status, body } = await get('acme/base/dependents');
  expect(status).toBe(200);
  expect(body).toMatchObject({ template: 'acme/base', latestVersion: '2.0.0' });
  expect(body.items.map((i) => [i.template, i.version, i.isLatest, i.via, i.ref, i.kind, i.resolvesTo, i.admitsLatest])).toEqual([
    ['acme/app', '1.1.0', true, 'environment', 'stable', 'label', '1.1.0', false],
    ['acme/app', '1.1.0', true, 'nested', '^1.0', 'range', '1.1.0', false],
    ['acme/app', '1.0.0', false, 'nested', '^1.0', 'range', '1.1.0', false],
    ['beta/other', '1.0.0', true, 'nested', '1.0.0', 'version', '1.0.0', false],
  ]);
  expect(body.items[0]).toMatchObject({ file: 'env.yaml', name: 'Acme::Base', path: 'template.yaml' });
});

test('a dependent in a private namespace is there for its readers only', async () => {
  const withToken = await get('acme/base/dependents', admin());
  expect(withToken.body.items).toHaveLength(5);
  expect(withToken.body.items[4]).toMatchObject({ template: 'secret/vault', version: '1.0.0', kind: 'latest', resolvesTo: '2.0.0', admitsLatest: true });
  expect((await get('secret/vault/dependencies')).status).toBe(404);
  expect((await get('secret/vault/dependents')).status).toBe(404);
  // beta/other's own files name secret/vault; the caller who may not read it is not told where that lands
  const other = await get('beta/other/dependencies');
  expect(other.body.items.map((i) => [i.template, i.resolvesTo])).toEqual([['secret/vault', null], ['acme/base', '1.0.0']]);
  const otherAdmin = await get('beta/other/dependencies', admin());
  expect(otherAdmin.body.items.map((i) => [i.template, i.resolvesTo])).toEqual([['secret/vault', '1.0.0'], ['acme/base', '1.0.0']]);
  expect((await get('secret/vault/dependents', admin())).body.items).toEqual([expect.objectContaining({ template: 'beta/other', version: '1.0.0', via: 'environment', admitsLatest: true })]);
});

test('dependencies of a version: the latest by default, any version by number', async () => {
  const latest = await get('acme/app/dependencies');
  expect(latest.status).toBe(200);
  expect(latest.body).toMatchObject({ template: 'acme/app', version: '1.1.0' });
  expect(latest.body.items.map((i) => [i.template, i.ref, i.via, i.file])).toEqual([['acme/base', 'stable', 'environment', 'env.yaml'], ['acme/base', '^1.0', 'nested', 'template.yaml']]);
  const first = await get('acme/app/dependencies?version=v1.0.0');
  expect(first.body).toMatchObject({ version: '1.0.0', items: [{ template: 'acme/base', ref: '^1.0', resolvesTo: '1.1.0', admitsLatest: false }] });
  expect((await get('acme/base/dependencies')).body).toMatchObject({ version: '2.0.0', items: [] });
  expect((await get('acme/base/dependents?version=1.0.0')).status).toBe(400);
});

test('dependents paged: the pages are the whole list for each caller, a hidden use counted nowhere', async () => {
  for (const headers of [{}, admin()]) {
    const whole = (await get('acme/base/dependents', headers)).body;
    const seen: unknown[] = [];
    let cursor: unknown = null;
    do {
      const page = (await get(`acme/base/dependents?limit=2${cursor ? `&cursor=${String(cursor)}` : ''}`, headers)).body;
      expect(page.total).toBe(whole.items.length);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(whole.items);
    expect(whole.nextCursor).toBeNull();
  }
  expect((await get('acme/base/dependents')).body.total).toBe(4);
  expect((await get('acme/base/dependents', admin())).body.total).toBe(5);
});

test('the bodies are as docs/openapi.yaml describes them', async () => {
  for (const [p, schema] of [['acme/base/dependents', 'Dependents'], ['acme/app/dependencies', 'Dependencies'], ['beta/other/dependencies', 'Dependencies']] as const) {
    const { body } = await get(p, admin());
    expect(body.items.length).toBeGreaterThan(0);
    expect({ p, errors: contract.schemaErrors(contract.schema(schema), body) }).toEqual({ p, errors: [] });
  }
});

test.each([
  ['acme/app/dependencies?version=9.9.9', 404],
  ['acme/app/dependencies?version=^1', 400],
  ['acme/app/dependencies?version=1.0.0&version=1.1.0', 400],
  ['acme/app/dependencies?ref=1.0.0', 400],
  ['acme/none/dependencies', 404],
  ['acme/none/dependents', 404],
  ['acme/base/dependents?limit=1', 200],
  ['acme/base/dependents?limit=1000', 400],
  ['acme/base/dependents?cursor=x', 400],
  [`acme/base/dependents?cursor=${Buffer.from('{"t":"acme/app","v":"1.0.0","s":"0"}').toString('base64url')}`, 400],
  ['acme/base/dependents?sort=name', 400],
])('GET %s -> %i', async (p, status) => {
  expect((await get(p)).status).toBe(status);
});

test('a new version that drops a use leaves the dependents of the latest at once', async () => {
  await publish('beta/other', '2.0.0', { 'template.yaml': leaf(9) });
  const { body } = await get('acme/base/dependents');
  expect(body.items.filter((i) => i.template === 'beta/other').map((i) => [i.version, i.isLatest])).toEqual([['1.0.0', false]]);
});
