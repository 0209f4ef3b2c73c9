// Namespace settings under concurrent PATCHes: each changes one setting, and every change is kept.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, TOKEN, type TestServer } from '../helpers/server';

let server: TestServer;
beforeEach(async () => { server = await startServer(); });
afterEach(async () => { await server.close(); });

const patch = (ns: string, body: object) => fetch(`${server.url}/api/v1/namespaces/${ns}`, { method: 'PATCH', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

test('40 PATCHes at once over 10 namespaces, each setting one key: every namespace ends with both', async () => {
  const nss = Array.from({ length: 10 }, (_, i) => `team${i}`);
  const statuses = await Promise.all(nss.flatMap((ns) => [
    patch(ns, { semver: 'enforce' }), patch(ns, { anonymousRead: false }),
    patch(`${ns}b`, { anonymousRead: false }), patch(`${ns}b`, { semver: 'off' }),
  ].map((p) => p.then((r) => r.status))));
  expect(statuses.every((s) => s === 200)).toBe(true);
  const dir = path.join(server.reposDir, '.heater', 'namespaces');
  for (const ns of nss) {
    expect(JSON.parse(readFileSync(path.join(dir, `${ns}.json`), 'utf8'))).toEqual({ semver: 'enforce', anonymousRead: false });
    expect(JSON.parse(readFileSync(path.join(dir, `${ns}b.json`), 'utf8'))).toEqual({ semver: 'off', anonymousRead: false });
    const r = await fetch(`${server.url}/api/v1/namespaces/${ns}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await r.json()) as { settings: object }).settings).toEqual({ semver: 'enforce', anonymousRead: false });
  }
  expect(readdirSync(dir).sort()).toEqual(nss.flatMap((ns) => [`${ns}.json`, `${ns}b.json`]).sort()); // no lock or temporary file left
});
