// The access log: one JSON line per request, with its id (the client's when sane), method, route template, template, status, bytes, duration, and the service of git requests.
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { createLogger } from '../../src/log/logger';
import { startServer, waitFor, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate, tempDir, gitOk } from '../helpers/git-client';

interface Access { kind: string; requestId: string; method: string; route: string | null; template?: string; service?: string; status: number; bytes: number; ms: number; aborted: boolean; level: string }
const lines: string[] = [];
let server: TestServer;
let work: WorkRepo;
beforeAll(async () => {
  server = await startServer({ logLevel: 'info' }, { log: createLogger('info', (l) => { lines.push(l); }) });
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  await work.git(['push', '-q', `${server.authUrl}/acme/app.git`, 'main', 'v1.0.0']);
});
afterAll(async () => { await work.cleanup(); await server.close(); });

/** The access line of the request answered with `id` (waited for: it is written once the connection is done with the answer). */
async function accessOf(id: string): Promise<Access> {
  const find = () => lines.map((l) => JSON.parse(l) as Access).find((a) => a.kind === 'access' && a.requestId === id);
  expect(await waitFor(() => find() !== undefined)).toBe(true);
  return find() as Access;
}

test.each([
  ['a template', '/api/v1/templates/acme/app', 200, '/api/v1/templates/:ns/:name', 'acme/app'],
  ['a template that does not exist (the error leaves the router)', '/api/v1/templates/acme/none', 404, '/api/v1/templates/:ns/:name', 'acme/none'],
  ['a file (kept by the cached-answer lane)', '/api/v1/templates/acme/app/versions/1.0.0/files/template.yaml', 200, '/api/v1/templates/:ns/:name/versions/:ref/files/*path', 'acme/app'],
  ['the same file, from the cached-answer lane', '/api/v1/templates/acme/app/versions/1.0.0/files/template.yaml', 200, '/api/v1/templates/:ns/:name/versions/:ref/files/*path', 'acme/app'],
  ['a version', '/api/v1/templates/acme/app/versions/%5E1', 200, '/api/v1/templates/:ns/:name/versions/:ref', 'acme/app'],
  ['no route', '/nothing/here', 404, null, undefined],
  ['the readiness probe', '/readyz', 200, '/readyz', undefined],
  ['a git advertisement (answered before Express)', '/acme/app.git/info/refs?service=git-upload-pack', 200, '/:ns/:name.git/info/refs', 'acme/app'],
  ['a git request refused', '/acme/none.git/info/refs?service=git-upload-pack', 404, '/:ns/:name.git/info/refs', 'acme/none'],
])('%s: GET %s -> %i, logged with route %s', async (_what, p, status, route, template) => {
  const id = `access-${Math.random().toString(36).slice(2)}`;
  const r = await fetch(`${server.url}${p}`, { headers: { 'X-Request-Id': id } });
  const body = await r.arrayBuffer();
  expect(r.status).toBe(status);
  expect(r.headers.get('x-request-id')).toBe(id);
  const a = await accessOf(id);
  expect(a).toMatchObject({ level: 'info', method: 'GET', route, status, aborted: false });
  expect(a.template).toBe(template);
  expect(a.bytes).toBeGreaterThan(body.byteLength); // the body and its headers
  expect(a.ms).toBeGreaterThanOrEqual(0);
});

test('an X-Request-Id that is not a sane token is replaced by one of ours, returned and logged', async () => {
  const r = await fetch(`${server.url}/api/v1/templates`, { headers: { 'X-Request-Id': 'not sane: "spaces" and quotes' } });
  await r.arrayBuffer();
  const id = r.headers.get('x-request-id') ?? '';
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  expect((await accessOf(id)).route).toBe('/api/v1/templates');
});

test('an answer from memory with no X-Request-Id (or one not sane) gets an id of ours, the same in its header and its line; a 304 from memory is logged as one', async () => {
  const p = '/api/v1/templates/acme/app/versions/1.0.0/files/template.yaml';
  for (let i = 0; i < 3; i++) await (await fetch(`${server.url}${p}`)).arrayBuffer(); // kept by now
  const hits = async () => Number(/^heater_answer_cache_lookups_total\{result="hit"\} (\d+)/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);
  const before = await hits();
  const ids = new Set<string>();
  for (const headers of [{}, { 'X-Request-Id': 'not sane: spaces' }, {}] as Record<string, string>[]) {
    const r = await fetch(`${server.url}${p}`, { headers });
    await r.arrayBuffer();
    const id = r.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    ids.add(id);
    expect(await accessOf(id)).toMatchObject({ route: '/api/v1/templates/:ns/:name/versions/:ref/files/*path', template: 'acme/app', status: 200 });
  }
  expect(ids.size).toBe(3); // one id per answer
  expect(await hits() - before).toBe(3); // all three from memory
  const etag = (await fetch(`${server.url}${p}`)).headers.get('etag') ?? '';
  const id = `access-304-${Math.random().toString(36).slice(2)}`;
  const r = await fetch(`${server.url}${p}`, { headers: { 'If-None-Match': etag, 'X-Request-Id': id } });
  expect(r.status).toBe(304);
  expect(await accessOf(id)).toMatchObject({ status: 304, template: 'acme/app', aborted: false });
});

test('a clone is logged as git requests with their service; its path values never appear as the route', async () => {
  const dir = await tempDir('heater-access-');
  const before = lines.length;
  try {
    await gitOk(['clone', '-q', `${server.url}/acme/app.git`, path.join(dir, 'app')]);
    expect(await waitFor(() => lines.slice(before).some((l) => l.includes('"route":"/:ns/:name.git/git-upload-pack"')))).toBe(true);
    const git = lines.slice(before).map((l) => JSON.parse(l) as Access).filter((a) => a.kind === 'access');
    expect(git.map(({ route, service, template, status }) => ({ route, service, template, status }))).toEqual(expect.arrayContaining([
      { route: '/:ns/:name.git/info/refs', service: 'git-upload-pack', template: 'acme/app', status: 200 },
      { route: '/:ns/:name.git/git-upload-pack', service: 'git-upload-pack', template: 'acme/app', status: 200 },
    ]));
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('a push\'s access line names the refs it updated, old and new, and whether they took; a refused one says they did not', async () => {
  const parse = () => lines.map((l) => JSON.parse(l) as Access & { refs?: { ref: string; old: string; new: string }[]; updated?: boolean });
  const pushLine = (from: number) => parse().slice(from).find((a) => a.kind === 'access' && a.route === '/:ns/:name.git/git-receive-pack' && a.refs !== undefined);
  const oldMain = (await work.git(['rev-parse', 'main'])).trim();
  await work.commit({ 'template.yaml': hotTemplate(2) });
  await work.tag('v1.1.0');
  const newMain = (await work.git(['rev-parse', 'main'])).trim();
  const tag = (await work.git(['rev-parse', 'v1.1.0'])).trim();
  let from = lines.length;
  await work.git(['push', '-q', `${server.authUrl}/acme/app.git`, 'main', 'v1.1.0']);
  expect(await waitFor(() => pushLine(from) !== undefined)).toBe(true);
  expect(pushLine(from)).toMatchObject({ service: 'git-receive-pack', template: 'acme/app', status: 200, updated: true });
  expect(pushLine(from)?.refs).toEqual(expect.arrayContaining([
    { ref: 'refs/heads/main', old: oldMain, new: newMain },
    { ref: 'refs/tags/v1.1.0', old: '', new: tag },
  ]));
  // a version never moves: the push is refused, its refs stay, the line says so
  await work.commit({ 'template.yaml': hotTemplate(3) });
  await work.tag('v1.1.0', { force: true });
  from = lines.length;
  expect((await work.run(['push', '--force', `${server.authUrl}/acme/app.git`, 'v1.1.0'])).code).not.toBe(0);
  expect(await waitFor(() => pushLine(from) !== undefined)).toBe(true);
  expect(pushLine(from)).toMatchObject({ updated: false, refs: [{ ref: 'refs/tags/v1.1.0', old: tag }] });
});
