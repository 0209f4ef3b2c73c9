// POST …/versions?dryRun=true: the publish's checks and answers, with nothing written.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { gitOk, hotTemplate } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });
afterEach(async () => { expect(await waitNoGitChildren(3000, true)).toEqual([]); });

const auth = { Authorization: `Bearer ${TOKEN}` };
const api = (p: string) => `${server.url}/api/v1${p}`;
const publish = (tpl: string, body: unknown, query = '', headers: Record<string, string> = auth) =>
  fetch(api(`/templates/${tpl}/versions${query}`), { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = Record<string, unknown>>(r: Response) => r.json() as Promise<T>;
/** hotTemplate without its output: removing an output is a breaking (major) change. */
const withoutOutput = (n: number) => hotTemplate(n).replace(/outputs:[\s\S]*$/, '');
const setPolicy = (ns: string, semver: string) =>
  fetch(api(`/namespaces/${ns}`), { method: 'PATCH', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ semver }) });

/** Everything on disk a write could change: every ref, the object counts, the audit log. */
async function stateOf(tpl: string): Promise<string[]> {
  const gitDir = path.join(server.reposDir, `${tpl}.git`);
  const audit = path.join(server.reposDir, '.heater', 'audit.log');
  return [
    await gitOk(['--git-dir', gitDir, 'for-each-ref', '--format=%(refname) %(objectname)']),
    await gitOk(['--git-dir', gitDir, 'count-objects', '-v']),
    fs.existsSync(audit) ? fs.readFileSync(audit, 'utf8') : '',
  ];
}

test('a dry run answers the bump the changes need, with the warnings the publish would give, and writes nothing', async () => {
  expect((await publish('dry/web', { version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } })).status).toBe(201);
  const before = await stateOf('dry/web');
  const small = await publish('dry/web', { version: '1.0.1', message: 'Drop the ip', files: { 'template.yaml': withoutOutput(2) } }, '?dryRun=true');
  expect(small.status).toBe(200);
  const body = await json<{ changes: { change: string }[]; warnings: string[] }>(small);
  expect(body).toMatchObject({ template: 'dry/web', version: '1.0.1', tag: 'v1.0.1', message: 'Drop the ip', dryRun: true, semver: 'warn',
    against: '1.0.0', required: 'major', actual: 'patch', ok: false, breaking: true });
  expect(body.changes.map((c) => c.change)).toContain('output-removed');
  expect(body.warnings[0]).toBe('version 1.0.1 is a patch step from 1.0.0, but its changes need a major one:');
  const major = await json(await publish('dry/web', { version: 'v2.0.0', files: { 'template.yaml': withoutOutput(2) } }, '?dryRun=true'));
  expect(major).toMatchObject({ version: '2.0.0', message: 'Release 2.0.0', required: 'major', actual: 'major', ok: true, warnings: [] });
  expect(await stateOf('dry/web')).toEqual(before);
  expect((await json<{ versions: unknown[] }>(await fetch(api('/templates/dry/web/versions')))).versions).toHaveLength(1);
  // the real publish of the same thing then warns with the same lines
  const real = await publish('dry/web', { version: '1.0.1', message: 'Drop the ip', files: { 'template.yaml': withoutOutput(2) } }, '?dryRun=false');
  expect(real.status).toBe(201);
  expect((await json<{ warnings: string[] }>(real)).warnings).toEqual(body.warnings);
});

test('a dry run of a template that does not exist creates nothing: the first version is never judged', async () => {
  const res = await publish('dry/new', { version: '0.1.0', files: { 'template.yaml': hotTemplate(1) } }, '?dryRun=true');
  expect(res.status).toBe(200);
  expect(await json(res)).toMatchObject({ against: null, required: 'none', actual: 'none', ok: true, changes: [] });
  expect(fs.existsSync(path.join(server.reposDir, 'dry', 'new.git'))).toBe(false);
  expect((await fetch(api('/templates/dry/new'))).status).toBe(404);
});

test('a .tar.gz dry run takes dryRun beside version and message', async () => {
  // a one-file ustar archive: header (name, mode, size, typeflag, magic, checksum) and the padded content
  const content = Buffer.from(hotTemplate(3));
  const header = Buffer.alloc(512);
  header.write('template.yaml', 0);
  header.write('0000644\0', 100);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('0', 156);
  header.write('ustar\x0000', 257);
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const tar = Buffer.concat([header, content, Buffer.alloc((512 - (content.length % 512)) % 512), Buffer.alloc(1024)]);
  const res = await fetch(api('/templates/dry/tar/versions?version=1.0.0&message=From%20a%20tarball&dryRun=true'),
    { method: 'POST', headers: { ...auth, 'Content-Type': 'application/gzip' }, body: gzipSync(tar) });
  expect(res.status).toBe(200);
  expect(await json(res)).toMatchObject({ template: 'dry/tar', version: '1.0.0', message: 'From a tarball', dryRun: true });
  expect(fs.existsSync(path.join(server.reposDir, 'dry', 'tar.git'))).toBe(false);
});

test.each([
  ['a number too small under enforce', 'dry/strict', () => ({ version: '1.0.1', files: { 'template.yaml': withoutOutput(2) } }), 422, 'semver-violation'],
  ['files that do not validate', 'dry/strict', () => ({ version: '3.0.0', files: { 'template.yaml': 'heat_template_version: 2021-04-16\nresources: [\n' } }), 422, 'validation-failed'],
  ['a version that exists', 'dry/strict', () => ({ version: 'v1.0.0', files: { 'template.yaml': hotTemplate(1) } }), 409, 'version-exists'],
  ['no version', 'dry/strict', () => ({ files: { 'template.yaml': hotTemplate(1) } }), 400, 'invalid-input'],
])('a refused dry run (%s) is the refused publish\'s problem, and writes nothing', async (_what, tpl, body, status, code) => {
  if ((await fetch(api(`/templates/${tpl}`))).status === 404) {
    expect((await publish(tpl, { version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } })).status).toBe(201);
    expect((await setPolicy('dry', 'enforce')).status).toBe(200);
  }
  const before = await stateOf(tpl);
  const dry = await publish(tpl, body(), '?dryRun=true');
  expect(dry.status).toBe(status);
  expect(dry.headers.get('content-type')).toBe('application/problem+json');
  const dryProblem = await json<Record<string, unknown>>(dry);
  expect(dryProblem.code).toBe(code);
  expect(await stateOf(tpl)).toEqual(before);
  const real = await json<Record<string, unknown>>(await publish(tpl, body()));
  expect({ ...dryProblem, instance: null }).toEqual({ ...real, instance: null });
  expect(await stateOf(tpl)).toEqual(before);
});

test('without a token a dry run is the publish\'s 401', async () => {
  const res = await publish('dry/web', { version: '9.0.0', files: { 'a.txt': 'a' } }, '?dryRun=true', {});
  expect(res.status).toBe(401);
  expect((await json<{ code: string }>(res)).code).toBe('unauthenticated');
});

test.each([
  ['?dryRun=yes', 'dryRun'], ['?dryRun=1', 'dryRun'], ['?dryRun=', 'dryRun'], ['?dryRun=true&dryRun=true', 'dryRun'],
  ['?dry_run=true', 'dry_run'], ['?dryrun=true', 'dryrun'], ['?force=1', 'force'],
])('POST …/versions%s is 400 naming %s, and nothing is written', async (query, name) => {
  const res = await publish('dry/odd', { version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } }, query);
  expect(res.status).toBe(400);
  const problem = await json<{ code: string; detail: string }>(res);
  expect(problem.code).toBe('invalid-input');
  expect(problem.detail).toContain(name);
  expect(fs.existsSync(path.join(server.reposDir, 'dry', 'odd.git'))).toBe(false);
});
