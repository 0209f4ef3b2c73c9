// Limits: push size, concurrent git work, REST bodies (failed authentications: test/auth/limiter.test.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, TOKEN, waitNoGitChildren } from '../helpers/server';
import { WorkRepo, gitOk, holdGitSlot, hotTemplate } from '../helpers/git-client';

test('a push larger than the limit is refused by git with a remote: message and leaves nothing', async () => {
  const server = await startServer({ maxPushBytes: 1024 * 1024 });
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1), 'blob.bin': randomBytes(3 * 1024 * 1024) });
    await w.tag('v1.0.0');
    const r = await w.run(['push', `${server.authUrl}/acme/huge.git`, 'main', 'v1.0.0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('remote: fatal: pack exceeds maximum allowed size');
    await new Promise((res) => setTimeout(res, 200));
    expect(fs.existsSync(path.join(server.reposDir, 'acme', 'huge.git'))).toBe(false); // push-to-create undone
    // a small push still goes through
    const small = await WorkRepo.create();
    try {
      await small.commit({ 'template.yaml': hotTemplate(2) });
      expect((await small.run(['push', `${server.authUrl}/acme/huge.git`, 'main'])).code).toBe(0);
    } finally { await small.cleanup(); }
  } finally { await w.cleanup(); await server.close(); }
});

test('past the cap on concurrent git work, requests get 503 with Retry-After', async () => {
  const server = await startServer({ maxGitProcesses: 1, gitIdleMs: 2000 });
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1), 'big.bin': randomBytes(12 * 1024 * 1024) });
    expect((await w.run(['push', `${server.authUrl}/acme/busy.git`, 'main'])).code).toBe(0);
    const head = (await gitOk(['ls-remote', `${server.url}/acme/busy.git`, 'refs/heads/main'])).split('\t')[0] ?? '';
    const sock = holdGitSlot(server.url, '/acme/busy.git', head); // holds the one slot: its pack fills the socket and git waits
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${server.url}/acme/busy.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.text()).toMatch(/^The server is serving 1 git requests, its limit; try again in a few seconds\.\n$/);
    sock.destroy();
    await waitNoGitChildren(5000, true);
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${server.url}/acme/busy.git/info/refs?service=git-upload-pack`)).status).toBe(200); // the slot came back
  } finally { await w.cleanup(); await server.close(); }
});

test('the REST body limit is configurable: a publish over it is 413 and writes nothing', async () => {
  const server = await startServer({ maxBodyBytes: 1024 * 1024 });
  try {
    const big = { version: '1.0.0', files: { 'big.bin': { base64: randomBytes(2 * 1024 * 1024).toString('base64') } } };
    const res = await fetch(`${server.url}/api/v1/templates/acme/limited/versions`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(big) });
    expect(res.status).toBe(413);
    expect(fs.existsSync(path.join(server.reposDir, 'acme', 'limited.git'))).toBe(false);
  } finally { await server.close(); }
});
