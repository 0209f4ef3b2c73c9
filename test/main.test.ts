// The built entry point as `npm start` runs it: readiness line, admin token bootstrap, bad configuration.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { KEYS } from '../src/config/config';
import os from 'node:os';
import path from 'node:path';

const MAIN = path.join(__dirname, '..', 'dist', 'main.js');

/** Starts dist/main.js and resolves with its first stdout lines once it says it is serving. */
function start(env: Record<string, string>): Promise<{ out: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, HEATER_HOST: '127.0.0.1', HEATER_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/serving .* on http:\/\/127\.0\.0\.1:\d+\n/.test(out)) {
        clearTimeout(timer);
        resolve({ out, stop: () => new Promise((r) => { child.on('exit', (code) => r(code)); child.kill('SIGTERM'); }) });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out}`)); });
  });
}

test('first start generates the admin token, prints it once, keeps only a hash; it works after a restart', async () => {
  const repos = await mkdtemp(path.join(os.tmpdir(), 'heater-main-'));
  try {
    const first = await start({ HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: '' });
    const token = /^\s+(heater_[A-Za-z0-9_-]+)$/m.exec(first.out)?.[1] ?? '';
    expect(token).toMatch(/^heater_/);
    expect(await first.stop()).toBe(0);
    const stored = await readFile(path.join(repos, '.heater', 'admin-token'), 'utf8');
    expect(stored).toMatch(/^scrypt\$/);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.slice(7));

    const second = await start({ HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: '' });
    expect(second.out).not.toContain('heater_');
    const url = /on (http:\/\/\S+)/.exec(second.out)?.[1] ?? '';
    const create = (t: string) => fetch(`${url}/api/v1/templates`, { method: 'POST', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: 'boot', name: 'strap' }) });
    expect((await create('heater_wrong_token_value')).status).toBe(401);
    expect((await create(token)).status).toBe(201);
    expect(await second.stop()).toBe(0);
  } finally { await rm(repos, { recursive: true, force: true }); }
});

test('a bad configuration stops start-up with one sentence per key and exit code 2', () => {
  const r = spawnSync(process.execPath, [MAIN, '--port', 'eighty'], { encoding: 'utf8', env: { ...process.env, HEATER_PUBLIC_URL: 'ftp://x' } });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^heater: cannot start: HEATER_PORT \(--port\) must be a whole number, got "eighty"; HEATER_PUBLIC_URL [^\n]*\.\n$/);
});

test('a port in use is one sentence and exit code 2', async () => {
  const repos = await mkdtemp(path.join(os.tmpdir(), 'heater-main-'));
  try {
    const a = await start({ HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: 'a-long-enough-admin-token' });
    const port = /:(\d+)\n/.exec(a.out)?.[1] ?? '';
    const r = spawnSync(process.execPath, [MAIN], { encoding: 'utf8', env: { ...process.env, HEATER_REPOS: repos, HEATER_PORT: port, HEATER_ADMIN_TOKEN: 'a-long-enough-admin-token' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`heater: cannot start: cannot listen on 127.0.0.1:${port}: the address is in use (is another server running on that port?) (EADDRINUSE).\n`);
    await a.stop();
  } finally { await rm(repos, { recursive: true, force: true }); }
});

test('--help lists every command and every flag once, each default once', () => {
  const r = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  for (const command of ['heater [options]', 'heater token create --name NAME --scope SCOPE', 'heater token list', 'heater token revoke ID-OR-NAME', 'heater fsck [--repos DIR] [--repair] [--json]', 'heater backup DIR [--repos SRC]', 'heater restore DIR [--repos TARGET]', 'heater --help']) {
    expect(r.stdout).toContain(`  ${command}`);
  }
  for (const k of KEYS) {
    expect(r.stdout.split(`  ${k.flag} <value>`)).toHaveLength(2);
    expect(r.stdout).toContain(k.env);
  }
  for (const line of r.stdout.split('\n')) expect(line.split('(default:').length).toBeLessThanOrEqual(2);
  expect(r.stdout).toContain('(default: from the Host header)');
  expect(r.stdout).toMatch(/Exit codes: 0 .*; 2 when the server cannot start/);
});

/** A data directory nobody but root may write: as root the server is started as user nobody to meet it. */
function unwritable(): { dir: string; as: { uid?: number; gid?: number } } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'heater-ro-'));
  chmodSync(dir, 0o555);
  return { dir, as: process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {} };
}

describe('a data directory that cannot be used stops start-up with one sentence and exit code 2', () => {
  const ro = unwritable();
  const file = path.join(ro.dir, '..', `heater-file-${process.pid}`);
  beforeAll(() => { writeFileSync(file, 'not a directory'); });
  afterAll(() => { rmSync(file, { force: true }); rmSync(ro.dir, { recursive: true, force: true }); });

  test.each([
    ['under a file', () => '/etc/hostname/x', {}, /^heater: cannot start: cannot use the data directory \/etc\/hostname\/x: a part of the path is a file, not a directory \(ENOTDIR\)\.\n$/],
    ['a file', () => file, {}, /^heater: cannot start: cannot use the data directory .*heater-file-\d+: it exists and is not a directory \(EEXIST\)\.\n$/],
    ['not writable', () => path.join(ro.dir, 'repos'), ro.as, /^heater: cannot start: cannot use the data directory .*heater-ro-\w+\/repos: permission denied \(EACCES\)\.\n$/],
    ['not writable, existing', () => ro.dir, ro.as, /^heater: cannot start: cannot use the data directory .*heater-ro-\w+: permission denied \(EACCES\)\.\n$/],
  ])('%s', (_what, repos, as, message) => {
    const r = spawnSync(process.execPath, [MAIN, '--repos', repos(), '--port', '0'], { encoding: 'utf8', env: { ...process.env, HEATER_ADMIN_TOKEN: 'a-long-enough-admin-token' }, ...as });
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  test('a usable data directory next to them still starts', async () => {
    const repos = mkdtempSync(path.join(os.tmpdir(), 'heater-main-'));
    try {
      const ok = await start({ HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: 'a-long-enough-admin-token' });
      expect(await ok.stop()).toBe(0);
    } finally { rmSync(repos, { recursive: true, force: true }); }
  });
});
