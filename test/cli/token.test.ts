// `heater token create|list|revoke` as the built CLI runs it: every write is in the audit log, as REST's are.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, TOKEN, type TestServer } from '../helpers/server';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

function cli(args: string[], repos = server.reposDir): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'token', ...args, '--repos', repos], (e, stdout, stderr) => resolve({ code: e ? (e as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}

interface Line { time: string; action: string; actor: { name: string; address: string }; ok: boolean; detail?: string; via?: string }
const auditOf = (repos: string): Line[] => {
  const file = path.join(repos, '.heater', 'audit.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : [];
};
const me = os.userInfo().username;

test('create and revoke are recorded like the REST routes record them, by the OS user via cli; the token is never written', async () => {
  const before = auditOf(server.reposDir).length;
  const made = await cli(['create', '--name', 'ci', '--scope', 'write:acme', '--scope', 'read']);
  expect(made.code).toBe(0);
  const secret = made.stdout.trim();
  const whoami = await fetch(`${server.url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${secret}` } });
  expect((await whoami.json() as { name: string }).name).toBe('ci');
  expect((await cli(['list'])).code).toBe(0); // a read: not recorded
  expect((await cli(['revoke', 'ci'])).code).toBe(0);

  const rest = await fetch(`${server.url}/api/v1/tokens`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'web', scopes: ['write:acme', 'read'] }) });
  expect(rest.status).toBe(201);

  const lines = auditOf(server.reposDir).slice(before);
  expect(lines).toHaveLength(3);
  const [created, revoked, viaRest] = lines;
  expect(created).toMatchObject({ action: 'token.create', actor: { name: me, address: 'local' }, via: 'cli', ok: true, detail: 'ci write:acme read' });
  expect(revoked).toMatchObject({ action: 'token.revoke', actor: { name: me, address: 'local' }, via: 'cli', ok: true, detail: 'ci' });
  expect(viaRest).toMatchObject({ action: 'token.create', actor: { name: 'admin' }, ok: true, detail: 'web write:acme read' });
  expect(viaRest?.via).toBe('rest');
  for (const l of lines) expect(Date.parse(l.time)).not.toBeNaN();
  expect(fs.readFileSync(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8')).not.toContain(secret.slice(-20));
});

test.each([
  ['revoke of a token that does not exist', ['revoke', 'no-such-token'], 1],
  ['create without a name', ['create', '--scope', 'read'], 2],
  ['create with a bad scope', ['create', '--name', 'x', '--scope', 'fly:acme'], 1],
  ['revoke without a name', ['revoke'], 2],
  ['list on a data directory under a file', ['list', '--repos', '/etc/hostname/x'], 2],
  ['create on a data directory under a file', ['create', '--name', 'x', '--scope', 'read', '--repos', '/etc/hostname/x'], 2],
])('%s (%j) changes nothing and records nothing, exit %i', async (_what, args, code) => {
  const before = auditOf(server.reposDir).length;
  const r = await cli(args);
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(/^heater token/);
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  expect(auditOf(server.reposDir)).toHaveLength(before);
});

test('on a data directory no server has used yet, the audit log is created (mode 600)', async () => {
  const repos = fs.mkdtempSync(path.join(os.tmpdir(), 'heater-cli-'));
  try {
    expect((await cli(['create', '--name', 'first', '--scope', 'admin'], repos)).code).toBe(0);
    expect(auditOf(repos)).toEqual([expect.objectContaining({ action: 'token.create', via: 'cli', detail: 'first admin' })]);
    expect(fs.statSync(path.join(repos, '.heater', 'audit.log')).mode & 0o777).toBe(0o600);
  } finally { fs.rmSync(repos, { recursive: true, force: true }); }
});
