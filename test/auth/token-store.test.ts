// The token file under concurrent writers: REST creations and revocations in the server, `heater token create` processes beside it.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, TOKEN, type TestServer } from '../helpers/server';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');
let server: TestServer;
beforeEach(async () => { server = await startServer(); });
afterEach(async () => { await server.close(); });

function cliCreate(name: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'token', 'create', '--name', name, '--scope', 'read', '--repos', server.reposDir],
      (e, stdout, stderr) => resolve({ code: e ? (e as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}
const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1${p}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...init.headers } });
const restCreate = async (name: string) => {
  const r = await api('/tokens', { method: 'POST', body: JSON.stringify({ name, scopes: ['read'] }) });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
};

test('12 REST creations, 4 REST revocations and 6 CLI processes creating, all at once: every change is kept, the file is valid JSON', async () => {
  const doomed = await Promise.all(['old-0', 'old-1', 'old-2', 'old-3'].map(restCreate));
  const [rest, revoked, cli] = await Promise.all([
    Promise.all(Array.from({ length: 12 }, (_, i) => restCreate(`rest-${i}`))),
    Promise.all(['old-0', 'old-1', 'old-2', 'old-3'].map((n) => api(`/tokens/${n}`, { method: 'DELETE' }).then((r) => r.status))),
    Promise.all(Array.from({ length: 6 }, (_, i) => cliCreate(`cli-${i}`))),
  ]);
  expect(revoked.every((s) => s === 200 || s === 204)).toBe(true);
  expect(cli.map((c) => c.code)).toEqual([0, 0, 0, 0, 0, 0]);

  const stored = JSON.parse(readFileSync(path.join(server.reposDir, '.heater', 'tokens.json'), 'utf8')) as { tokens: { name: string }[] };
  const names = stored.tokens.map((t) => t.name).sort();
  expect(names).toEqual([...Array.from({ length: 6 }, (_, i) => `cli-${i}`), ...Array.from({ length: 12 }, (_, i) => `rest-${i}`)].sort());
  // and each secret handed out works, each revoked one does not
  for (const secret of [...rest, ...cli.map((c) => c.stdout.trim())]) {
    expect((await fetch(`${server.url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);
  }
  for (const secret of doomed) expect((await fetch(`${server.url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
  // nothing is left behind: no lock, no temporary file
  expect(readdirSync(path.join(server.reposDir, '.heater')).filter((f) => f.startsWith('tokens'))).toEqual(expect.arrayContaining(['tokens.json']));
  expect(readdirSync(path.join(server.reposDir, '.heater')).filter((f) => /\.(lock|tmp)$|\.lock\./.test(f))).toEqual([]);
});

test('two creations of the same name at once: one 201, one 409, one token stored', async () => {
  const statuses = await Promise.all([0, 1].map(() => api('/tokens', { method: 'POST', body: '{"name":"twin","scopes":["read"]}' }).then((r) => r.status)));
  expect(statuses.sort()).toEqual([201, 409]);
  const stored = JSON.parse(readFileSync(path.join(server.reposDir, '.heater', 'tokens.json'), 'utf8')) as { tokens: { name: string }[] };
  expect(stored.tokens.filter((t) => t.name === 'twin')).toHaveLength(1);
});

test('a lock on the token file left by a process that died is taken over: REST and the CLI create tokens at once', async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid; // a pid that has exited
  const lock = path.join(server.reposDir, '.heater', 'tokens.json.lock');
  writeFileSync(lock, JSON.stringify({ pid: dead, host: os.hostname(), at: Date.now(), nonce: '00112233aabbccdd' }));
  const [rest, cli] = await Promise.all([restCreate('after-crash'), cliCreate('cli-after-crash')]);
  expect(rest).toMatch(/^heater_/);
  expect(cli.code).toBe(0);
  const stored = JSON.parse(readFileSync(path.join(server.reposDir, '.heater', 'tokens.json'), 'utf8')) as { tokens: { name: string }[] };
  expect(stored.tokens.map((t) => t.name).sort()).toEqual(['after-crash', 'cli-after-crash']);
  expect(readdirSync(path.join(server.reposDir, '.heater')).filter((f) => f.includes('.lock'))).toEqual([]);
});
