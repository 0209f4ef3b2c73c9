// Limits: push size, concurrent git work, REST bodies (failed authentications: test/auth/limiter.test.ts).
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, TOKEN, waitFor, waitNoGitChildren, type TestServer } from '../helpers/server';
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
    // push-to-create undone once receive-pack has exited (the server may still be tidying when git's answer arrives)
    expect(await waitFor(() => !fs.existsSync(path.join(server.reposDir, 'acme', 'huge.git')))).toBe(true);
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
    const pushAdvert = () => fetch(`${server.url}/acme/busy.git/info/refs?service=git-receive-pack`, { headers: { Authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` } });
    // the second is made from memory (receive-advert.ts); the one slot comes back when the last request's
    // answer is closed, which may be just after the client read it: asked again until it is back
    for (let i = 0; i < 2; i++) expect(await waitFor(async () => (await pushAdvert()).status === 200)).toBe(true);
    await waitNoGitChildren(5000, true); // the first one's git gone and its slot back, so the next request can hold it
    await new Promise((r) => setTimeout(r, 100));
    const sock = holdGitSlot(server.url, '/acme/busy.git', head); // holds the one slot: its pack fills the socket and git waits
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${server.url}/acme/busy.git/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.text()).toMatch(/^The server is serving 1 git requests, its limit; try again in a few seconds\.\n$/);
    expect((await pushAdvert()).status).toBe(503); // a push too, though its advertisement would need no git
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

describe('the largest file (HEATER_MAX_FILE_MB), the same for push and publish', () => {
  const MiB = 1024 * 1024;
  const limitLine = (file: string, size: string, limit: string) => `remote: heater: ${file}: the file is ${size}; a file may be at most ${limit} on this server (HEATER_MAX_FILE_MB).`;

  test('by default a 50 MiB file is refused on push, naming the file and the 16 MiB limit; nothing is created', async () => {
    const server = await startServer();
    const w = await WorkRepo.create();
    try {
      await w.commit({ 'template.yaml': hotTemplate(1), 'assets/image.raw': Buffer.alloc(50 * MiB) });
      await w.tag('v1.0.0');
      const r = await w.run(['push', `${server.authUrl}/acme/fat.git`, 'main', 'v1.0.0']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(limitLine('assets/image.raw', '52428800 bytes (50 MiB)', '16 MiB'));
      expect(r.stderr.split(limitLine('assets/image.raw', '52428800 bytes (50 MiB)', '16 MiB'))).toHaveLength(2); // once, not per ref
      expect(await waitFor(() => !fs.existsSync(path.join(server.reposDir, 'acme', 'fat.git')))).toBe(true); // push-to-create undone
    } finally { await w.cleanup(); await server.close(); }
  });

  describe('set to 1 MiB', () => {
    let server: TestServer;
    const publish = (name: string, body: unknown) => fetch(`${server.url}/api/v1/templates/acme/${name}/versions`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    beforeAll(async () => { server = await startServer({ maxFileBytes: MiB }); });
    afterAll(async () => { await server.close(); });

    test('a branch push with a file one byte over, even one the tip deletes again, is refused; exactly 1 MiB is pushed', async () => {
      const w = await WorkRepo.create();
      try {
        await w.commit({ 'template.yaml': hotTemplate(1), 'data/over.bin': randomBytes(MiB + 1) }, 'too big');
        await w.commit({ 'data/over.bin': null }, 'gone again');
        const r = await w.run(['push', `${server.authUrl}/acme/edge.git`, 'main']);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(limitLine('data/over.bin', '1048577 bytes (1.0 MiB)', '1 MiB'));
        expect(r.stderr).toContain('[remote rejected] main');

        await w.git(['reset', '-q', '--hard', 'HEAD~2']).catch(() => '');
        const ok = await WorkRepo.create();
        try {
          await ok.commit({ 'template.yaml': hotTemplate(2), 'data/exact.bin': randomBytes(MiB) });
          await ok.tag('v1.0.0');
          const pushed = await ok.run(['push', `${server.authUrl}/acme/edge.git`, 'main', 'v1.0.0']);
          expect(pushed.stderr).not.toContain('HEATER_MAX_FILE_MB');
          expect(pushed.code).toBe(0);
        } finally { await ok.cleanup(); }
      } finally { await w.cleanup(); }
    });

    test('a push that stays a pack in the quarantine (not unpacked loose) is held to the limit too', async () => {
      const w = await WorkRepo.create();
      try {
        await w.commit({ 'template.yaml': hotTemplate(4) });
        expect((await w.run(['push', `${server.authUrl}/acme/packed.git`, 'main'])).code).toBe(0);
        await gitOk(['--git-dir', path.join(server.reposDir, 'acme', 'packed.git'), 'config', 'receive.unpackLimit', '1']);
        await w.commit({ 'data/over.bin': randomBytes(MiB + 1) }, 'too big');
        const r = await w.run(['push', `${server.authUrl}/acme/packed.git`, 'main']);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain(limitLine('data/over.bin', '1048577 bytes (1.0 MiB)', '1 MiB'));
        await w.git(['reset', '-q', '--hard', 'HEAD~1']);
        await w.commit({ 'data/exact.bin': randomBytes(MiB) }, 'just right');
        expect((await w.run(['push', `${server.authUrl}/acme/packed.git`, 'main'])).code).toBe(0);
      } finally { await w.cleanup(); }
    });

    test('a tag at a commit the server already has is not held to files pushed before', async () => {
      const w = await WorkRepo.create();
      try {
        await w.commit({ 'template.yaml': hotTemplate(3) });
        expect((await w.run(['push', `${server.authUrl}/acme/retag.git`, 'main'])).code).toBe(0);
        await w.tag('v1.0.0');
        expect((await w.run(['push', `${server.authUrl}/acme/retag.git`, 'v1.0.0'])).code).toBe(0);
      } finally { await w.cleanup(); }
    });

    test.each([
      ['JSON', MiB + 1, 413],
      ['JSON', MiB, 201],
    ])('a %s publish with a file of %i bytes is %i', async (_how, size, status) => {
      const res = await publish(`pub-${size}`, { version: '1.0.0', files: { 'template.yaml': hotTemplate(1), 'blob.bin': { base64: randomBytes(size).toString('base64') } } });
      expect(res.status).toBe(status);
      if (status === 413) {
        const body = await res.json() as { code: string; detail: string };
        expect(body).toMatchObject({ code: 'too-large', detail: `"blob.bin" is ${size} bytes; a file may be at most 1048576 bytes (1 MiB).` });
      }
    });

    test('a .tar.gz publish with a file over the limit is 413 with the same sentence', async () => {
      const dir = fs.mkdtempSync(path.join(server.reposDir, '..', 'heater-tgz-'));
      try {
        fs.writeFileSync(path.join(dir, 'template.yaml'), hotTemplate(1));
        fs.writeFileSync(path.join(dir, 'blob.bin'), randomBytes(MiB + 1));
        const tgz = execFileSync('tar', ['-czf', '-', '-C', dir, '.'], { maxBuffer: 8 * MiB });
        const res = await fetch(`${server.url}/api/v1/templates/acme/tgz/versions?version=1.0.0`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/gzip' }, body: tgz });
        expect(res.status).toBe(413);
        expect((await res.json() as { detail: string }).detail).toBe(`"blob.bin" is ${MiB + 1} bytes; a file may be at most 1048576 bytes (1 MiB).`);
      } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    });
  });
});
