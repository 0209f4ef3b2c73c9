// The built entry point as `npm start` runs it: readiness line, admin token bootstrap, bad configuration.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
  expect(r.stderr).toMatch(/^heater: cannot start: HEATER_PORT \(--port\) must be a whole number, got "eighty"; HEATER_PUBLIC_URL .*\.\n$/);
});

test('a port in use is reported plainly', async () => {
  const repos = await mkdtemp(path.join(os.tmpdir(), 'heater-main-'));
  try {
    const a = await start({ HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: 'a-long-enough-admin-token' });
    const port = /:(\d+)\n/.exec(a.out)?.[1] ?? '';
    const r = spawnSync(process.execPath, [MAIN], { encoding: 'utf8', env: { ...process.env, HEATER_REPOS: repos, HEATER_PORT: port, HEATER_ADMIN_TOKEN: 'a-long-enough-admin-token' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    await a.stop();
  } finally { await rm(repos, { recursive: true, force: true }); }
});

test('--help prints the configuration keys', () => {
  const r = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('HEATER_REPOS');
});
