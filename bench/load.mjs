// load.mjs — 16 cloners and 4 pushers against one `node dist/main.js` for 60 s: errors, pushes kept, RSS each second.
//
//   npm run build && node bench/load.mjs            # LOAD_SECONDS=60 LOAD_CLONERS=16 LOAD_PUSHERS=4
//
// Each pusher owns a template and pushes a new commit and version tag in a loop; each cloner clones
// the templates in turn (full clones, into a temporary folder removed after each). Every failed
// clone or push is an error. Afterwards every acknowledged version must be listed by the server and
// every repository must pass `git fsck`. The server's VmRSS is read from /proc every second.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const CLONERS = Number(process.env.LOAD_CLONERS ?? 16);
const PUSHERS = Number(process.env.LOAD_PUSHERS ?? 4);
const TOKEN = 'load-bench-admin-token-0123456789';

const root = mkdtempSync(path.join(os.tmpdir(), 'heater-load-'));
const repos = path.join(root, 'repos');
const gitEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_'))),
  HOME: root, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C',
  GIT_AUTHOR_NAME: 'Load', GIT_AUTHOR_EMAIL: 'load@example.com', GIT_COMMITTER_NAME: 'Load', GIT_COMMITTER_EMAIL: 'load@example.com',
};

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { env: gitEnv, stdio: ['ignore', 'ignore', 'pipe'], ...opts });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('close', (code) => resolve({ code, err }));
  });
}

const template = (n) => `heat_template_version: 2021-04-16
description: Load revision ${n}
parameters:
  flavor: { type: string, default: m1.small }
resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: { get_param: flavor }
      user_data: { get_file: scripts/install.sh }
`;

const server = spawn(process.execPath, [path.join(here, '..', 'dist', 'main.js')], {
  env: { ...process.env, HEATER_HOST: '127.0.0.1', HEATER_PORT: '0', HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: TOKEN, HEATER_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
server.stdout.on('data', (d) => { out += d; });
const url = await new Promise((resolve, reject) => {
  const t = setInterval(() => {
    const m = /serving .* on (http:\/\/\S+)\n/.exec(out);
    if (m) { clearInterval(t); resolve(m[1]); }
    if (server.exitCode !== null) { clearInterval(t); reject(new Error(out)); }
  }, 50);
});
const auth = url.replace('http://', `http://x:${TOKEN}@`);

const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0);
const samples = [];
const errors = [];
const acked = new Map();
let clones = 0;
let pushes = 0;

// the pushers' work repos, each with a first version, pushed before the clock starts
const works = [];
for (let p = 0; p < PUSHERS; p++) {
  const dir = path.join(root, `work-${p}`);
  mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: gitEnv });
  writeFileSync(path.join(dir, 'scripts', 'install.sh'), '#!/bin/sh\necho load\n');
  const id = `load/t${p}`;
  works.push({ dir, id, n: 0 });
  acked.set(id, []);
}

async function pushOnce(w) {
  const n = ++w.n;
  writeFileSync(path.join(w.dir, 'template.yaml'), template(n));
  execFileSync('git', ['add', '-A'], { cwd: w.dir, env: gitEnv });
  execFileSync('git', ['commit', '-q', '-m', `revision ${n}`], { cwd: w.dir, env: gitEnv });
  execFileSync('git', ['tag', '-a', '-m', `release ${n}`, `v1.${n}.0`], { cwd: w.dir, env: gitEnv });
  const r = await run('git', ['push', '-q', `${auth}/${w.id}.git`, 'main', `v1.${n}.0`], { cwd: w.dir });
  if (r.code === 0) { acked.get(w.id).push(`1.${n}.0`); pushes++; } else errors.push(`push ${w.id} v1.${n}.0: ${r.err.trim()}`);
}
for (const w of works) await pushOnce(w);

const t0 = Date.now();
const end = t0 + SECONDS * 1000;
samples.push({ s: 0, kb: rss() });
const sampler = setInterval(() => samples.push({ s: Math.round((Date.now() - t0) / 1000), kb: rss() }), 1000);

const pusher = async (w) => { while (Date.now() < end) await pushOnce(w); };
const cloner = async (c) => {
  let i = c;
  while (Date.now() < end) {
    const w = works[i++ % works.length];
    const dir = path.join(root, `clone-${c}`);
    const r = await run('git', ['clone', '-q', `${url}/${w.id}.git`, dir]);
    rmSync(dir, { recursive: true, force: true });
    if (r.code === 0) clones++; else errors.push(`clone ${w.id}: ${r.err.trim()}`);
  }
};
await Promise.all([...works.map(pusher), ...Array.from({ length: CLONERS }, (_, c) => cloner(c))]);
clearInterval(sampler);
samples.push({ s: Math.round((Date.now() - t0) / 1000), kb: rss() });

// every acknowledged push is there, and every repository is sound
const missing = [];
for (const w of works) {
  const listed = (await (await fetch(`${url}/api/v1/templates/${w.id}/versions`)).json()).versions.map((v) => v.version);
  for (const v of acked.get(w.id)) if (!listed.includes(v)) missing.push(`${w.id}@${v}`);
  execFileSync('git', ['--git-dir', path.join(repos, `${w.id}.git`), 'fsck', '--no-progress'], { stdio: 'pipe' });
}
server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
rmSync(root, { recursive: true, force: true });

const kb = samples.map((x) => x.kb);
const mb = (k) => Math.round(k / 102.4) / 10;
const result = {
  seconds: SECONDS, cloners: CLONERS, pushers: PUSHERS, clones, pushes, errors: errors.length, missing: missing.length, fsck: 'clean',
  rssMB: { start: mb(kb[0]), max: mb(Math.max(...kb)), end: mb(kb[kb.length - 1]) },
  curveMB: samples.filter((x, i) => i % 5 === 0 || i === samples.length - 1).map((x) => `${x.s}s:${mb(x.kb)}`).join(' '),
};
console.log(JSON.stringify(result, null, 2));
for (const e of errors.slice(0, 10)) console.log(`error: ${e}`);
for (const m of missing) console.log(`missing: ${m}`);
process.exit(errors.length === 0 && missing.length === 0 ? 0 : 1);
