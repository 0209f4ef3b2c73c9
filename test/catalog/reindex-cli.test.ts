// `heater reindex` through the built entry point: rebuilds the index file from the repositories alone.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';

const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');
let dir: string;
let work: WorkRepo;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heater-reindex-'));
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1), 'heater.yaml': 'description: Web\nkeywords: [web]\n' });
  await work.tag('v1.0.0');
  for (const id of ['acme/web', 'beta/web']) {
    const gitDir = path.join(dir, `${id}.git`);
    await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
    await gitOk(['--git-dir', gitDir, 'fetch', '-q', work.dir, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  }
});
afterAll(async () => {
  await work.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const reindex = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'reindex', ...args], { encoding: 'utf8', env: { ...process.env, HEATER_REPOS: dir } });
const indexed = () => {
  const db = new Database(path.join(dir, '.heater', 'catalog.sqlite'), { readonly: true });
  try { return (db.prepare('SELECT id FROM templates ORDER BY id').all() as { id: string }[]).map((r) => r.id); } finally { db.close(); }
};

test('rebuilds from nothing, over a corrupt file too, and says how many it indexed', async () => {
  const r = reindex();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^heater: indexed 2 templates in \d+\.\d s\.\n$/);
  expect(indexed()).toEqual(['acme/web', 'beta/web']);
  await writeFile(path.join(dir, '.heater', 'catalog.sqlite'), 'garbage'.repeat(1000));
  expect(reindex('--repos', dir).status).toBe(0);
  expect(indexed()).toEqual(['acme/web', 'beta/web']);
});

test('a bad option is exit code 2 with the usage; --help is 0', () => {
  const bad = reindex('--nope');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/unknown option "--nope".*\nUsage: heater reindex/s);
  const help = reindex('--help');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/^Usage: heater reindex/);
});

test('on a terminal it shows its progress in place, and ends with the count; piped, no progress', () => {
  // util-linux `script` gives the command a pseudo-terminal: stderr is a TTY there
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const r = spawnSync('script', ['-qec', [process.execPath, MAIN, 'reindex', '--repos', dir].map(quote).join(' '), '/dev/null'], { encoding: 'utf8', env: { ...process.env, HEATER_REPOS: dir } });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('\r\x1b[Kheater reindex: 2 of 2 templates read (100 %)');
  expect(r.stdout).toMatch(/\r\x1b\[Kheater: indexed 2 templates in \d+\.\d s\.\r?\n$/);
  expect(reindex().stderr).toBe('');
});

test('a data directory whose state folder cannot be made: reindex says so in one line (exit 1), fsck --repair too (exit 2)', async () => {
  const odd = await mkdtemp(path.join(os.tmpdir(), 'heater-reindex-odd-'));
  try {
    await writeFile(path.join(odd, '.heater'), 'a file where the state folder goes\n');
    const r = spawnSync(process.execPath, [MAIN, 'reindex', '--repos', odd], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 1, stderr: expect.stringMatching(/^heater reindex: cannot use the data directory .*\n$/) });
    const f = spawnSync(process.execPath, [MAIN, 'fsck', '--repair', '--repos', odd], { encoding: 'utf8' });
    expect({ status: f.status, stderr: f.stderr }).toEqual({ status: 2, stderr: expect.stringMatching(/^heater fsck: cannot use the data directory .*\n$/) });
  } finally { await rm(odd, { recursive: true, force: true }); }
});
