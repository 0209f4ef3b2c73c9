// The server under awkward conditions: a symlinked data directory, stalled clients, a push that dies
// while waiting for another, hook calls it cannot parse, large files streamed from git.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { RepoLocks } from '../../src/registry/repo-locks';
import { UnavailableError } from '../../src/errors/limit-error';
import { startServer, TOKEN, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';

test('a data directory reached through a symlink still accepts versions (git hands hooks real paths)', async () => {
  const real = fs.mkdtempSync(path.join(os.tmpdir(), 'heater-real-'));
  const link = path.join(os.tmpdir(), `heater-link-${process.pid}`);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(real, link);
  const app = await createApp(testConfig({ reposDir: link, adminToken: TOKEN }));
  const url = new URL(await app.listen());
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1) });
    await w.tag('v1.0.0');
    const r = await w.run(['push', `http://x:${TOKEN}@${url.host}/acme/linked.git`, 'main', 'v1.0.0']);
    expect(r.stderr).not.toContain('must point at a commit');
    expect(r.code).toBe(0);
    expect(await gitOk(['--git-dir', path.join(real, 'acme', 'linked.git'), 'tag'])).toBe('v1.0.0\n');
  } finally {
    await w.cleanup();
    await app.close();
    fs.rmSync(link, { force: true });
    fs.rmSync(real, { recursive: true, force: true });
  }
});

describe('with a short idle timeout', () => {
  let server: TestServer;
  const big = randomBytes(12 * 1024 * 1024); // incompressible: the pack outgrows the socket buffers
  beforeAll(async () => {
    // the repo is copied in, not pushed: under a loaded machine a 12 MiB push can itself outlast a 1 s idle timeout
    // the pack cache off: a kept answer is written by git to a file, so its git is never stuck on a client
    server = await startServer({ gitIdleMs: 1000, packCacheBytes: 0 }, {
      prepare: async (reposDir) => {
        const w = await WorkRepo.create();
        try {
          await w.commit({ 'template.yaml': hotTemplate(1), 'big.bin': big });
          await w.tag('v1.0.0');
          await gitOk(['clone', '-q', '--bare', w.dir, path.join(reposDir, 'acme', 'big.git')]);
        } finally { await w.cleanup(); }
      },
    });
  });
  afterAll(async () => { await server.close(); });

  test('a client that asks for a pack and never reads it has its git stopped', async () => {
    const u = new URL(server.url);
    const head = (await gitOk(['ls-remote', `${server.url}/acme/big.git`, 'refs/heads/main'])).split('\t')[0] ?? '';
    const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
    const body = `${pkt(`want ${head} ofs-delta\n`)}0000${pkt('done\n')}`;
    const sock = net.connect(Number(u.port), u.hostname);
    sock.pause(); // never read: the pack fills the socket buffers and git blocks on its stdout
    sock.write(`POST /acme/big.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await new Promise((r) => setTimeout(r, 400));
    expect((await waitNoGitChildren(100, true)).length).toBeGreaterThan(0); // it is running, stuck
    expect(await waitNoGitChildren(5000, true)).toEqual([]); // and stopped after the idle timeout
    sock.destroy();
  });

  test('a file larger than the in-memory limit is streamed from git, whole', async () => {
    const res = await fetch(`${server.url}/api/v1/templates/acme/big/versions/1.0.0/files/big.bin`);
    expect(res.status).toBe(200);
    const got = Buffer.from(await res.arrayBuffer());
    expect(got.length).toBe(big.length);
    expect(got.equals(big)).toBe(true);
  });
});

test('a repo lock that is not released in time gives the next writer a clear 503, and the turn passes on', async () => {
  const locks = new RepoLocks();
  const first = await locks.acquire('r');
  await expect(locks.acquire('r', 50)).rejects.toBeInstanceOf(UnavailableError);
  const third = locks.acquire('r', 1000);
  first();
  const release = await third; // the timed-out waiter did not keep the lock
  release();
});

describe('the hook endpoint', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server.close(); });

  test('a label named latest or like a commit id is refused at push: it could never be resolved', async () => {
    const w = await WorkRepo.create();
    try {
      await w.commit({ 'template.yaml': hotTemplate(1) });
      await w.tag('latest', { lightweight: true });
      await w.tag('abcdef12', { lightweight: true });
      const r = await w.run(['push', `${server.authUrl}/acme/names.git`, 'main', 'latest', 'abcdef12']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('latest: "latest" is reserved');
      expect(r.stderr).toContain('abcdef12: "abcdef12" looks like a commit id');
    } finally { await w.cleanup(); }
  });
});
