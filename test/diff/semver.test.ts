// What an upgrade breaks: /compat, the heat summary on diffs, and the namespace semver policy on push and publish.
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const tpl = (params: string) => `heat_template_version: 2021-04-16
parameters:
${params}
resources:
  server: {type: OS::Nova::Server, properties: {flavor: {get_param: flavor}}}
outputs:
  id: {value: {get_resource: server}}
`;
const V1 = tpl('  flavor: {type: string, default: m1.small}');
const WITH_REQUIRED = tpl('  flavor: {type: string, default: m1.small}\n  key: {type: string}'); // a parameter without default: breaking
const WITH_OPTIONAL = tpl('  flavor: {type: string, default: m1.small}\n  key: {type: string, default: none}');
const publish = (ns: string, version: string, template: string) => fetch(`${server.url}/api/v1/templates/${ns}/app/versions`, { method: 'POST', headers: auth, body: JSON.stringify({ version, files: { 'template.yaml': template } }) });
const setPolicy = (ns: string, semver: string) => fetch(`${server.url}/api/v1/namespaces/${ns}`, { method: 'PATCH', headers: auth, body: JSON.stringify({ semver }) });

test('/compat says which bump the changes need against the previous version, and whether the number respects it', async () => {
  await setPolicy('compat', 'off');
  for (const [v, t] of [['1.0.0', V1], ['1.1.0', WITH_OPTIONAL], ['1.2.0', WITH_REQUIRED]] as const) expect((await publish('compat', v, t)).status).toBe(201);
  const minorOk = await (await fetch(`${server.url}/api/v1/templates/compat/app/versions/1.1.0/compat`)).json() as Record<string, unknown>;
  expect(minorOk).toMatchObject({ version: '1.1.0', against: '1.0.0', required: 'minor', actual: 'minor', ok: true, breaking: false });
  const broken = await (await fetch(`${server.url}/api/v1/templates/compat/app/versions/1.2.0/compat`)).json() as { ok: boolean; required: string; changes: { change: string; name: string; breaking: boolean; file: string }[] };
  expect(broken).toMatchObject({ required: 'major', actual: 'minor', ok: false });
  expect(broken.changes).toEqual([expect.objectContaining({ file: 'template.yaml', change: 'parameter-default-removed', name: 'key', breaking: true })]);
  const against = await (await fetch(`${server.url}/api/v1/templates/compat/app/versions/1.2.0/compat?against=1.0.0`)).json() as { against: string; required: string; ok: boolean; changes: { change: string; name: string }[] };
  expect(against).toMatchObject({ against: '1.0.0', required: 'major', ok: false });
  expect(against.changes).toEqual([expect.objectContaining({ change: 'parameter-added', name: 'key' })]);
  const first = await (await fetch(`${server.url}/api/v1/templates/compat/app/versions/1.0.0/compat`)).json() as Record<string, unknown>;
  expect(first).toMatchObject({ against: null, required: 'none', ok: true });
  const diff = await (await fetch(`${server.url}/api/v1/templates/compat/app/diff?from=1.0.0&to=latest`)).json() as { summary: { required: string; breaking: boolean } };
  expect(diff.summary).toMatchObject({ required: 'major', breaking: true });
});

test('enforce: a too-small version is refused on push (remote: lines) and on publish (422 with the changes)', async () => {
  expect((await setPolicy('strict', 'enforce')).status).toBe(200);
  expect((await publish('strict', '1.0.0', V1)).status).toBe(201);
  const res = await publish('strict', '1.1.0', WITH_REQUIRED);
  expect(res.status).toBe(422);
  const body = await res.json() as { code: string; detail: string; changes: string[] };
  expect(body.code).toBe('semver-violation');
  expect(body.detail).toContain('version 1.1.0 is a minor step from 1.0.0, but its changes need a major one');
  expect(body.changes.join('\n')).toContain('key');

  const w = await WorkRepo.create();
  try {
    await w.git(['pull', '-q', `${server.url}/strict/app.git`, 'main']);
    await w.commit({ 'template.yaml': WITH_REQUIRED }, 'breaking');
    await w.tag('v1.1.0');
    const pushed = await w.run(['push', `${server.authUrl}/strict/app.git`, 'main', 'v1.1.0']);
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain('remote: heater: v1.1.0: version 1.1.0 is a minor step from 1.0.0, but its changes need a major one:');
    await w.tag('v2.0.0');
    expect((await w.run(['push', `${server.authUrl}/strict/app.git`, 'main', 'v2.0.0'])).code).toBe(0);
  } finally { await w.cleanup(); }
});

test('warn (the default): published, with the warning on remote: lines and in the response', async () => {
  expect((await publish('lenient', '1.0.0', V1)).status).toBe(201);
  const res = await publish('lenient', '1.0.1', WITH_REQUIRED);
  expect(res.status).toBe(201);
  expect(((await res.json()) as { warnings: string[] }).warnings[0]).toContain('needs a major one'.replace('needs', 'need'));
  const w = await WorkRepo.create();
  try {
    await w.git(['pull', '-q', `${server.url}/lenient/app.git`, 'main']);
    await w.commit({ 'template.yaml': tpl('  flavor: {type: number, default: 1}') }, 'type change');
    await w.tag('v1.0.2');
    const pushed = await w.run(['push', `${server.authUrl}/lenient/app.git`, 'main', 'v1.0.2']);
    expect(pushed.code).toBe(0);
    expect(pushed.stderr).toContain('remote: heater: warning: v1.0.2: version 1.0.2 is a patch step from 1.0.1, but its changes need a major one:');
  } finally { await w.cleanup(); }
});

test.each([
  [{ semver: 'sometimes' }, 400], [{ colour: 'red' }, 400], ['[]', 400], [{ anonymousRead: 'no' }, 400], [{ anonymousRead: null }, 400],
])('PATCH /namespaces with %j is %i', async (body, status) => {
  const res = await fetch(`${server.url}/api/v1/namespaces/acme`, { method: 'PATCH', headers: auth, body: typeof body === 'string' ? body : JSON.stringify(body) });
  expect(res.status).toBe(status);
});

test('namespace settings: read by anyone, changed only with the admin token, bad names refused', async () => {
  // a namespace with neither templates nor settings is not there, and answers as a private one does to a stranger
  const fresh = await fetch(`${server.url}/api/v1/namespaces/fresh`);
  expect(fresh.status).toBe(404);
  const priv = await fetch(`${server.url}/api/v1/namespaces/hidden`, { method: 'PATCH', headers: auth, body: '{"anonymousRead":false}' });
  expect(priv.status).toBe(200);
  const hidden = await fetch(`${server.url}/api/v1/namespaces/hidden`);
  expect([hidden.status, await hidden.json()]).toEqual([404, { ...(await fresh.json() as Record<string, unknown>), detail: 'There is no namespace hidden.', instance: expect.any(String) }]);
  expect((await fetch(`${server.url}/api/v1/namespaces/fresh`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"semver":"off"}' })).status).toBe(401);
  expect((await fetch(`${server.url}/api/v1/namespaces/fresh`, { method: 'PATCH', headers: auth, body: '{}' })).status).toBe(200);
  expect(await (await fetch(`${server.url}/api/v1/namespaces/fresh`)).json()).toEqual({ namespace: 'fresh', settings: { semver: 'warn', anonymousRead: true } });
  expect((await fetch(`${server.url}/api/v1/namespaces/Bad..Name`)).status).toBe(400);
  expect((await fetch(`${server.url}/api/v1/templates/compat/app/versions/main/compat`)).status).toBe(404);
});

test('enforce also holds for versions pushed together: each is judged against the one below it', async () => {
  await setPolicy('together', 'enforce');
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': V1 }, 'one');
    await w.tag('v1.0.0');
    await w.commit({ 'template.yaml': WITH_REQUIRED }, 'breaking');
    await w.tag('v1.0.1');
    const r = await w.run(['push', `${server.authUrl}/together/app.git`, 'main', '--tags']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('v1.0.1: version 1.0.1 is a patch step from 1.0.0, but its changes need a major one:');
  } finally { await w.cleanup(); }
});

test.each([
  ['versions/1.0.0/compat?against=9.9.9', 404, /has no version 9\.9\.9/],
  ['versions/1.0.0/compat?against=%3E%3D%3E1', 400, /not a valid semver range/],
  ['versions/1.0.0/compat?against=a&against=b', 400, /against may be given only once/],
  ['versions/9.9.9/compat', 404, /has no version 9\.9\.9/],
])('GET %s -> %i', async (p, status, detail) => {
  const res = await fetch(`${server.url}/api/v1/templates/compat/app/${p}`);
  expect(res.status).toBe(status);
  expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
});

test('compat of a commit that carries no version is a 400 that says so', async () => {
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': V1 }, 'wip');
    expect((await w.run(['push', `${server.authUrl}/nover/app.git`, 'main'])).code).toBe(0);
    const res = await fetch(`${server.url}/api/v1/templates/nover/app/versions/main/compat`);
    expect(res.status).toBe(404); // a branch is not a ref the API resolves
    const head = (await w.git(['rev-parse', 'HEAD'])).trim();
    const byCommit = await fetch(`${server.url}/api/v1/templates/nover/app/versions/${head}/compat`);
    expect(byCommit.status).toBe(400);
    expect(((await byCommit.json()) as { detail: string }).detail).toContain('carries no version');
  } finally { await w.cleanup(); }
});
