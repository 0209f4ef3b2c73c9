// The write-event seam: every door announces its writes once, before it answers, and a failing subscriber stops nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WriteEvents, auditEntryOf, type WriteEvent } from '../../src/events/write-events';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

const event: WriteEvent = { action: 'label.set', via: 'rest', actor: { name: 'ci', address: '10.0.0.1' }, template: { namespace: 'acme', name: 'web', id: 'acme/web' }, namespace: 'acme', refs: [{ ref: 'refs/tags/stable', old: '', new: 'a'.repeat(40) }], ok: true };

test('subscribers run in order, each awaited; one that throws is reported and the rest still run', async () => {
  const seen: string[] = [];
  const errors: string[] = [];
  const events = new WriteEvents((who, e) => errors.push(`${who}: ${e.message}`));
  events.subscribe('first', async () => { await new Promise((r) => setTimeout(r, 20)); seen.push('first'); });
  events.subscribe('broken', () => { throw new Error('boom'); });
  events.subscribe('last', (e) => { seen.push(`last ${e.action}`); });
  await expect(events.emit(event)).resolves.toBeUndefined();
  expect(seen).toEqual(['first', 'last label.set']);
  expect(errors).toEqual(['broken: boom']);
});

test('the audit entry of an event keeps the log\'s shape and says which door the write came through', () => {
  expect(auditEntryOf(event)).toEqual({ action: 'label.set', actor: { name: 'ci', address: '10.0.0.1' }, template: 'acme/web', refs: event.refs, ok: true, via: 'rest' });
  expect(Object.keys(auditEntryOf({ ...event, template: undefined, refs: [], action: 'namespace.update', detail: '{}' }))).toEqual(['action', 'actor', 'namespace', 'ok', 'detail', 'via']);
});

describe('through the server', () => {
  let server: TestServer;
  const auditLines = async () => (await readFile(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server.close(); });

  test('a push is announced before git hears the answer: the audit log holds it the moment git push returns', async () => {
    const w = await WorkRepo.create();
    try {
      for (let i = 1; i <= 5; i++) {
        await w.commit({ 'template.yaml': hotTemplate(i) }, `c${i}`);
        await w.tag(`v1.0.${i}`);
        const r = await w.run(['push', `${server.authUrl}/acme/seam.git`, 'main', `v1.0.${i}`]);
        expect(r.code).toBe(0);
        const last = (await auditLines()).filter((l) => l.action === 'push').pop();
        expect(last).toMatchObject({ template: 'acme/seam', via: 'git', ok: true });
        expect(last?.refs).toEqual(expect.arrayContaining([expect.objectContaining({ ref: `refs/tags/v1.0.${i}` })]));
      }
    } finally { await w.cleanup(); }
  });

  test('a version published over REST is announced like a pushed one: the tag ref with its new id, via rest', async () => {
    const res = await fetch(`${server.url}/api/v1/templates/acme/seam/versions`, {
      method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ version: '2.0.0', files: { 'template.yaml': hotTemplate(9) } }),
    });
    expect(res.status).toBe(201);
    const last = (await auditLines()).pop();
    expect(last).toMatchObject({ action: 'version.publish', template: 'acme/seam', via: 'rest', ok: true });
    expect(last?.refs).toEqual(expect.arrayContaining([expect.objectContaining({ ref: 'refs/tags/v2.0.0', old: '' })]));
  });

  test('template create and delete over REST are announced once each', async () => {
    const h = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    expect((await fetch(`${server.url}/api/v1/templates`, { method: 'POST', headers: h, body: JSON.stringify({ namespace: 'acme', name: 'tmp' }) })).status).toBe(201);
    expect((await fetch(`${server.url}/api/v1/templates/acme/tmp`, { method: 'DELETE', headers: h })).status).toBe(204);
    const mine = (await auditLines()).filter((l) => l.template === 'acme/tmp').map((l) => `${String(l.action)} ${String(l.via)}`);
    expect(mine).toEqual(['template.create rest', 'template.delete rest']);
  });
});
