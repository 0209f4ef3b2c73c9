// Shutdown of the built server (`node dist/main.js`) on SIGTERM: a slow clone and a publish in flight finish within the grace period, a stuck clone is cut after it, a second signal exits at once.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkRepo, gitOk, runGit } from './helpers/git-client';
import { waitFor } from './helpers/server';

const MAIN = path.join(__dirname, '..', 'dist', 'main.js');
const ADMIN = 'shutdown-test-admin-token';
jest.setTimeout(120_000);

interface Running { readonly child: ChildProcess; readonly url: string; readonly repos: string; stderr(): string; exit: Promise<number | null> }

let work: WorkRepo;
let head = '';
const started: Running[] = [];
beforeAll(async () => {
  work = await WorkRepo.create();
  // 24 MiB that do not compress: more than loopback socket buffers hold, so a paused reader really holds the clone up
  head = await work.commit({ 'template.yaml': 'heat_template_version: 2021-04-16\n', 'blob.bin': randomBytes(24 * 1024 * 1024) });
});
afterAll(async () => { await work.cleanup(); });
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) { s.child.kill('SIGKILL'); await s.exit; }
    await rm(s.repos, { recursive: true, force: true });
  }
});

/**
 * Starts dist/main.js over a new data directory with `env`, pushes the big repository to acme/big, resolves once it serves.
 * The pack cache is off: these clones are streamed from a git the shutdown has to wait for or stop.
 */
async function start(env: Record<string, string>): Promise<Running> {
  const repos = await mkdtemp(path.join(os.tmpdir(), 'heater-shutdown-'));
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, HEATER_HOST: '127.0.0.1', HEATER_PORT: '0', HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: ADMIN, HEATER_MAX_FILE_MB: '64', HEATER_PACK_CACHE_MB: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // 'close', not 'exit': its output is all read by then (log lines are written asynchronously, flushed at exit)
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const running: Running = { child, url: '', repos, stderr: () => err, exit };
  started.push(running);
  expect(await waitFor(() => /serving .* on http:\/\/\S+\n/.test(out) || child.exitCode !== null, 20_000)).toBe(true);
  const url = /on (http:\/\/\S+)\n/.exec(out)?.[1] ?? '';
  const u = new URL(url);
  await work.git(['push', '-q', `http://x:${ADMIN}@${u.host}/acme/big.git`, 'main']);
  return { ...running, url };
}

/**
 * An upload-pack POST for the whole history whose answer is not read until `read()` (a paused client:
 * it does not even see the server close the connection until then); `read()` resolves with the
 * whole body, or null when the answer was cut short.
 */
function slowClone(url: string): Promise<{ read: () => Promise<Buffer | null> }> {
  const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  const body = `${pkt(`want ${head}\n`)}0000${pkt('done\n')}`;
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/acme/big.git/git-upload-pack`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-git-upload-pack-request', 'Content-Length': body.length } }, (res) => {
      res.pause();
      const chunks: Buffer[] = [];
      const whole = new Promise<Buffer | null>((ok) => {
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => ok(res.complete ? Buffer.concat(chunks) : null));
        res.on('error', () => ok(null));
        res.on('aborted', () => ok(null));
      });
      resolve({ read: () => { res.resume(); return whole; } });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** True once a new connection to the server is refused. */
const refuses = (url: string) => fetch(`${url}/healthz`).then(() => false, () => true);

/** Pids of processes whose command line names `dir` (git left behind by the server). */
async function processesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const d of await readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if ((await readFile(`/proc/${d}/cmdline`, 'utf8')).includes(dir)) pids.push(Number(d)); } catch { /* exited */ }
  }
  return pids;
}

/** A request whose headers are sent before the signal and finished after it: answered on a connection the server already had. */
function halfSentRequest(url: string, p: string): { finish: () => Promise<string> } {
  const u = new URL(url);
  const sock = net.connect(Number(u.port), u.hostname);
  let got = '';
  sock.on('data', (d: Buffer) => { got += d.toString(); });
  sock.write(`GET ${p} HTTP/1.1\r\nHost: x\r\n`);
  return {
    finish: () => new Promise((resolve) => {
      sock.on('close', () => resolve(got));
      sock.write('\r\n');
    }),
  };
}

test('SIGTERM: logged, new connections refused, /readyz 503 on an open one, a slow clone finishes in the grace period, exit 0', async () => {
  const s = await start({ HEATER_SHUTDOWN_GRACE: '60' });
  expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  const clone = await slowClone(s.url);
  const probe = halfSentRequest(s.url, '/readyz');
  expect(await waitFor(async () => (await processesUsing(path.join(s.repos, 'acme'))).length > 0)).toBe(true);
  s.child.kill('SIGTERM');
  expect(await waitFor(() => refuses(s.url), 10_000)).toBe(true);
  // log lines are written asynchronously: the line follows the signal, not necessarily before the listener closes
  expect(await waitFor(() => /SIGTERM: shutting down; requests in flight have 60 s to finish/.test(s.stderr()), 10_000)).toBe(true);
  const answer = await probe.finish();
  expect(answer).toMatch(/^HTTP\/1\.1 503 /);
  expect(answer).toMatch(/[Cc]onnection: close/);
  expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')) as unknown).toMatchObject({ status: 503, checks: { shutdown: 'the server is shutting down', index: 'ok', git: 'ok', dataDir: 'ok' } });
  expect(s.child.exitCode).toBeNull(); // still serving the clone
  const pack = await clone.read() ?? Buffer.alloc(0);
  expect(pack.length).toBeGreaterThan(24 * 1024 * 1024);
  // the clone is whole: git indexes the pack it got (after the "NAK" line)
  const into = await mkdtemp(path.join(os.tmpdir(), 'heater-shutdown-pack-'));
  try {
    await gitOk(['init', '-q', '--bare', into]);
    const nak = pack.indexOf('PACK');
    const r = await new Promise<number | null>((resolve) => {
      const ix = spawn('git', ['--git-dir', into, 'index-pack', '--stdin', '--fix-thin'], { stdio: ['pipe', 'ignore', 'ignore'] });
      ix.on('exit', (code) => resolve(code));
      ix.stdin.end(pack.subarray(nak));
    });
    expect(r).toBe(0);
  } finally { await rm(into, { recursive: true, force: true }); }
  expect(await s.exit).toBe(0);
  expect(s.stderr()).toContain('shutdown: done');
});

test('with a grace of 1 s a stuck clone is cut, its git stopped, the process exits 0 and the repository passes git fsck', async () => {
  const s = await start({ HEATER_SHUTDOWN_GRACE: '1' });
  const clone = await slowClone(s.url);
  expect(await waitFor(async () => (await processesUsing(path.join(s.repos, 'acme'))).length > 0)).toBe(true);
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(0);
  expect(s.stderr()).toMatch(/grace period of 1 s is over; cut 1 connection/);
  expect(await clone.read()).toBeNull();
  expect(await waitFor(async () => (await processesUsing(s.repos)).length === 0)).toBe(true);
  const fsck = await runGit(['--git-dir', path.join(s.repos, 'acme', 'big.git'), 'fsck', '--strict']);
  expect(fsck.code).toBe(0);
});

test('a second SIGTERM exits at once (exit 1), its git stopped', async () => {
  const s = await start({ HEATER_SHUTDOWN_GRACE: '3600' });
  const clone = await slowClone(s.url);
  expect(await waitFor(async () => (await processesUsing(path.join(s.repos, 'acme'))).length > 0)).toBe(true);
  s.child.kill('SIGTERM');
  expect(await waitFor(() => s.stderr().includes('SIGTERM: shutting down'), 10_000)).toBe(true);
  s.child.kill('SIGTERM');
  expect(await s.exit).toBe(1);
  expect(s.stderr()).toContain('SIGTERM again: exiting at once');
  expect(await clone.read()).toBeNull();
  expect(await waitFor(async () => (await processesUsing(s.repos)).length === 0)).toBe(true);
});

test('a REST publish whose body is still arriving at SIGTERM is finished in the grace period: acknowledged, and the version is in git', async () => {
  const s = await start({ HEATER_SHUTDOWN_GRACE: '60' });
  const u = new URL(s.url);
  const body = Buffer.from(JSON.stringify({ version: '1.0.0', files: { 'template.yaml': 'heat_template_version: 2021-04-16\nresources: {}\n' } }));
  let sendRest = () => {};
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/api/v1/templates/acme/late/versions', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json', 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.write(body.subarray(0, 10));
    sendRest = () => { req.end(body.subarray(10)); };
  });
  // the server has taken the publish's connection once a later one is answered (connections are accepted in order)
  expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  s.child.kill('SIGTERM');
  expect(await waitFor(() => s.stderr().includes('SIGTERM: shutting down'), 10_000)).toBe(true);
  expect(await waitFor(() => refuses(s.url), 10_000)).toBe(true);
  sendRest();
  const { status, text } = await answer;
  expect({ status, text: status === 201 ? '' : text }).toEqual({ status: 201, text: '' });
  expect(await s.exit).toBe(0);
  const gitDir = path.join(s.repos, 'acme', 'late.git');
  expect((await runGit(['--git-dir', gitDir, 'tag', '--list'])).stdout.trim()).toBe('v1.0.0');
  expect((await runGit(['--git-dir', gitDir, 'fsck', '--strict'])).code).toBe(0);
});

test('with the pack cache on, a slow clone sent from a kept answer finishes in the grace period too, and the process exits 0', async () => {
  const s = await start({ HEATER_SHUTDOWN_GRACE: '60', HEATER_PACK_CACHE_MB: '1024' });
  expect((await (await slowClone(s.url)).read())?.length).toBeGreaterThan(24 * 1024 * 1024); // makes the answer
  const clone = await slowClone(s.url); // sent from the file, by the server: no git runs for it
  expect(await processesUsing(path.join(s.repos, 'acme'))).toEqual([]);
  s.child.kill('SIGTERM');
  expect(await waitFor(() => refuses(s.url), 10_000)).toBe(true);
  expect((await clone.read())?.length).toBeGreaterThan(24 * 1024 * 1024);
  expect(await s.exit).toBe(0);
});
