// GET /readyz and /healthz of a running server: ready with every check named, 503 naming the failing check when the data directory cannot be written.
import { rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeEach(async () => { server = await startServer(); });
afterEach(async () => { await server.close(); });

test('a fresh server is alive and ready, every check ok, never cached', async () => {
  const alive = await fetch(`${server.url}/healthz`);
  expect(alive.status).toBe(200);
  const r = await fetch(`${server.url}/readyz`);
  expect(r.status).toBe(200);
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(await r.json()).toEqual({ status: 'ready', checks: { dataDir: 'ok', git: 'ok', index: 'ok', shutdown: 'ok' } });
});

test('a data directory that cannot be written: 503 problem naming the check, alive all the same; ready again once fixed', async () => {
  const tmp = path.join(server.reposDir, '.heater', 'tmp');
  await rm(tmp, { recursive: true, force: true });
  await writeFile(tmp, 'not a folder'); // a real fault: the probe file cannot be created
  const r = await fetch(`${server.url}/readyz`);
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await r.json()) as { code: string; detail: string; checks: Record<string, string> };
  expect(body.code).toBe('unavailable');
  expect(body.checks).toMatchObject({ git: 'ok', index: 'ok', shutdown: 'ok' });
  expect(body.checks.dataDir).toMatch(/^the data directory is not writable: /);
  expect(body.detail).toMatch(/^Not ready: dataDir: /);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  await rm(tmp);
  await mkdir(tmp);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
});
