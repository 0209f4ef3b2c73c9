// The audit log: every write, through git or REST, is one JSON line with who, what, when, from where and the refs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../src/audit/audit-log';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

interface Line { time: string; action: string; actor: { name: string; address: string }; template?: string; namespace?: string; ok: boolean; refs?: { ref: string; old: string; new: string }[]; detail?: string }
const lines = (): Line[] => fs.readFileSync(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const api = (p: string) => `${server.url}/api/v1${p}`;

test('pushes (accepted and refused) and every REST write are recorded, with refs, actor and address; no token is ever written', async () => {
  const w = await WorkRepo.create();
  try {
    const c1 = await w.commit({ 'template.yaml': hotTemplate(1) }, 'one');
    await w.tag('v1.0.0');
    expect((await w.run(['push', `${server.authUrl}/audit/web.git`, 'main', 'v1.0.0'])).code).toBe(0);
    await w.commit({ 'template.yaml': hotTemplate(2) }, 'two');
    await w.tag('v1.0.0', { force: true });
    expect((await w.run(['push', '--force', `${server.authUrl}/audit/web.git`, 'v1.0.0'])).code).not.toBe(0);

    expect((await fetch(api('/templates'), { method: 'POST', headers: auth, body: JSON.stringify({ namespace: 'audit', name: 'other' }) })).status).toBe(201);
    expect((await fetch(api('/templates/audit/web/versions'), { method: 'POST', headers: auth, body: JSON.stringify({ version: '1.1.0', files: { 'template.yaml': hotTemplate(3) } }) })).status).toBe(201);
    expect((await fetch(api('/templates/audit/web/labels/stable'), { method: 'PUT', headers: auth, body: JSON.stringify({ ref: '1.0.0' }) })).status).toBe(200);
    expect((await fetch(api('/templates/audit/web/labels/stable'), { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(api('/templates/audit/web/versions/1.0.0/yank'), { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'bad' }) })).status).toBe(200);
    expect((await fetch(api('/namespaces/audit'), { method: 'PATCH', headers: auth, body: JSON.stringify({ semver: 'enforce' }) })).status).toBe(200);
    expect((await fetch(api('/templates/audit/other'), { method: 'DELETE', headers: auth })).status).toBe(204);
    await new Promise((r) => setTimeout(r, 200)); // the push entries are written once receive-pack has exited

    const all = lines();
    expect(all.map((l) => `${l.action}:${l.ok}`)).toEqual(expect.arrayContaining([
      'push:true', 'push:false', 'template.create:true', 'version.publish:true', 'label.set:true', 'label.delete:true', 'version.yank:true', 'namespace.update:true', 'template.delete:true',
    ]));
    for (const l of all) {
      expect(l.actor.name).toBe('admin');
      expect(l.actor.address).toMatch(/127\.0\.0\.1$/);
      expect(Date.parse(l.time)).not.toBeNaN();
    }
    const pushed = all.find((l) => l.action === 'push' && l.ok);
    expect(pushed?.refs).toEqual(expect.arrayContaining([{ ref: 'refs/heads/main', old: '', new: c1 }]));
    const refused = all.find((l) => l.action === 'push' && !l.ok);
    expect(refused?.detail).toContain('cannot be moved');
    expect(all.find((l) => l.action === 'label.delete')?.refs?.[0]).toMatchObject({ ref: 'refs/tags/stable', new: '' });
    expect(fs.readFileSync(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8')).not.toContain(TOKEN);
  } finally { await w.cleanup(); }
});

test('reads are not recorded', async () => {
  const before = lines().length;
  await fetch(api('/templates/audit/web/versions'));
  await fetch(`${server.url}/audit/web.git/info/refs?service=git-upload-pack`);
  expect(lines().length).toBe(before);
});

describe('AuditLog on its own', () => {
  const entry = (detail: string) => ({ action: 'token.create' as const, actor: { name: 'a', address: 'cli' }, ok: true, detail });
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heater-auditlog-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });
  const details = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Line).detail);

  test('lines in order, mode 0600; after copy-and-truncate at the new end; after a move or a delete in a new file', async () => {
    const errors: string[] = [];
    const log = new AuditLog(dir, (m) => errors.push(m));
    try {
      await log.record(entry('one'));
      await log.record(entry('two'));
      expect(details(log.file)).toEqual(['one', 'two']);
      expect(fs.statSync(log.file).mode & 0o777).toBe(0o600);
      fs.truncateSync(log.file, 0); // copy-and-truncate rotation
      await log.record(entry('three'));
      expect(details(log.file)).toEqual(['three']);
      fs.renameSync(log.file, `${log.file}.1`);
      await log.record(entry('four'));
      fs.rmSync(log.file);
      await log.record(entry('five'));
      expect([details(`${log.file}.1`), details(log.file)]).toEqual([['three'], ['five']]);
      expect(errors).toEqual([]);
    } finally {
      log.close();
    }
  });
});
