// Disk full: the data directory on a small filesystem of its own, filled; writes fail clearly and leave nothing half-written.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate, runGit, tempDir } from '../helpers/git-client';

// The test mounts a filesystem, which needs root (CI runs as root). tmpfs first; where the kernel
// refuses it (a container without CAP_SYS_ADMIN for tmpfs), a loop-mounted ext4 image.
const SIZE_MB = 8;

/** Mounts a SIZE_MB filesystem on `dir`; returns how, or throws saying why neither way worked. */
function mountSmall(dir: string, image: string): 'tmpfs' | 'loop' {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return 'tmpfs';
  } catch (tmpfs) {
    try {
      execFileSync('truncate', ['-s', `${SIZE_MB}M`, image]);
      execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'pipe' });
      execFileSync('mount', ['-o', 'loop', image, dir], { stdio: 'pipe' });
      return 'loop';
    } catch (loop) {
      throw new Error(`this test needs root to mount a small filesystem (tmpfs: ${String(tmpfs)}; loop: ${String(loop)})`);
    }
  }
}

/** Writes `file` until the filesystem refuses; returns the bytes written. */
async function fill(file: string): Promise<number> {
  const fh = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (;;) {
      try { written += (await fh.write(chunk)).bytesWritten; } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        break;
      }
    }
    // the last partial block: byte by byte would be slow, so halve the chunk until nothing fits
    for (let n = chunk.length / 2; n >= 1; n = Math.floor(n / 2)) {
      for (;;) {
        try { written += (await fh.write(chunk.subarray(0, n))).bytesWritten; } catch { break; }
      }
    }
  } finally {
    await fh.close().catch(() => { /* a full disk may refuse the flush; the file is removed anyway */ });
  }
  return written;
}

/** Files a half-done write would leave: git's lock and temporary files, quarantines, Heater's temporary folders. */
async function leftovers(reposDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(reposDir, full);
      if (/\.lock$|^tmp_|^incoming-|\.tmp$|^tmp-/.test(e.name)) out.push(rel);
      if (rel === path.join('.heater', 'tmp') && (await readdir(full)).length > 0) out.push(`${rel}/*`);
      if (e.isDirectory()) await walk(full);
    }
  };
  await walk(reposDir);
  return out;
}

const refsOf = (gitDir: string) => execFileSync('git', ['--git-dir', gitDir, 'for-each-ref', '--format=%(refname) %(objectname)'], { encoding: 'utf8' });
const fsck = (gitDir: string) => execFileSync('git', ['--git-dir', gitDir, 'fsck', '--strict', '--no-progress'], { encoding: 'utf8', stdio: 'pipe' });

let mnt: string;
let base: string;
let server: TestServer | undefined;
let work: WorkRepo;
let mounted = false;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'heater-full-'));
  mnt = path.join(base, 'mnt');
  await mkdir(mnt);
  mountSmall(mnt, path.join(base, 'fs.img'));
  mounted = true;
  await mkdir(path.join(mnt, 'repos'));
  server = await startServer({}, { reposDir: path.join(mnt, 'repos') });
  work = await WorkRepo.create();
});

afterAll(async () => {
  await server?.close();
  await work?.cleanup();
  if (mounted) execFileSync('umount', [mnt]);
  await rm(base, { recursive: true, force: true });
  expect(await waitNoGitChildren(5000, true)).toEqual([]);
});

const publish = (version: string, n: number) => fetch(`${server?.url}/api/v1/templates/acme/web/versions`, {
  method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ version, files: { 'template.yaml': hotTemplate(n), 'data.bin': { base64: randomBytes(256 * 1024).toString('base64') } } }),
});

test('on a full data directory pushes and publishes fail saying so, nothing is half-written, reads go on, and writes work once space is freed', async () => {
  if (!server) throw new Error('no server');
  const remote = `${server.authUrl}/acme/web.git`;
  const gitDir = path.join(mnt, 'repos', 'acme', 'web.git');
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  await work.git(['push', '-q', remote, 'main', 'v1.0.0']);
  expect((await publish('1.1.0', 2)).status).toBe(201);
  await work.git(['fetch', '-q', remote, 'main']);
  await work.git(['reset', '-q', '--hard', 'FETCH_HEAD']);

  const filler = path.join(mnt, 'filler');
  expect(await fill(filler)).toBeGreaterThan(0);
  const before = refsOf(gitDir);

  // a push of an incompressible file: git on the server cannot store the pack
  await work.commit({ 'template.yaml': hotTemplate(3), 'data.bin': randomBytes(512 * 1024) });
  await work.tag('v1.2.0');
  const push = await work.run(['push', remote, 'main', 'v1.2.0']);
  expect(push.code).not.toBe(0);
  expect(push.stderr).toMatch(/remote: .*(No space left on device|no space left)/i);

  const pub = await publish('1.3.0', 4);
  const problem = await pub.json() as { status: number; code: string; detail: string };
  expect([pub.status, pub.headers.get('content-type'), problem.code]).toEqual([507, 'application/problem+json', 'no-space']);
  expect(problem.detail).toMatch(/no space left/i);

  // nothing half-written: the refs as they were, the repository sound, no lock or temporary file left
  expect(refsOf(gitDir)).toBe(before);
  fsck(gitDir);
  await server.settled(); // the diffs a write queues are written after it answered (temp file, then rename): their end state is checked
  expect(await leftovers(path.join(mnt, 'repos'))).toEqual([]);

  // reads go on: a clone, a file, the list
  const clone = await tempDir('heater-clone-');
  try {
    expect((await runGit(['clone', '-q', remote, path.join(clone, 'c')])).code).toBe(0);
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
  const file = await fetch(`${server.url}/api/v1/templates/acme/web/versions/1.1.0/files/template.yaml`);
  expect([file.status, await file.text()]).toEqual([200, hotTemplate(2)]);
  const list = await (await fetch(`${server.url}/api/v1/templates`)).json() as { items: { id: string; latestVersion: string }[] };
  expect(list.items.map((t) => [t.id, t.latestVersion])).toEqual([['acme/web', '1.1.0']]);

  // space freed: the same push and publish now work, and the index has them
  await unlink(filler);
  expect((await work.run(['push', remote, 'main', 'v1.2.0'])).code).toBe(0);
  expect((await publish('1.3.0', 4)).status).toBe(201);
  fsck(gitDir);
  const after = await (await fetch(`${server.url}/api/v1/templates/acme/web/versions`)).json() as { versions: { version: string }[] };
  expect(after.versions.map((v) => v.version)).toEqual(['1.3.0', '1.2.0', '1.1.0', '1.0.0']);
  await server.settled();
  expect(await leftovers(path.join(mnt, 'repos'))).toEqual([]);
}, 60_000);
