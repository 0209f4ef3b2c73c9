#!/usr/bin/env node
// clone-storm.mjs — 16 identical simultaneous clones of one repository ("a clone storm", a CI
// fleet starting at once), against git http-backend behind nginx+fcgiwrap and against Heater
// (node dist/main.js, with its pack-objects cache) in the same run, round by round, alternating
// which goes first. Each round pushes one commit and one tag to both first, so the first storm of
// a round is cold (a pack never computed) and the next ones are warm.
//
// Reported per storm: wall time (spawn of the first clone to exit of the last, median over rounds)
// and server CPU seconds per clone: the delta over the storm of utime+stime+cutime+cstime
// (/proc/<pid>/stat) summed over the server's process tree (http-backend: nginx master and
// workers, fcgiwrap and its workers, whose reaped http-backend/upload-pack/pack-objects children
// land in cutime/cstime; Heater: node, whose reaped upload-pack children carry the hook and
// pack-objects in theirs), divided by the number of clones. fcgiwrap's workers ignore SIGCHLD, so
// the CGI processes they fork are reaped without their times reaching cutime: nginx runs a wrapper
// (bash's `time` around the real git-http-backend, one line per request) whose lines are added. Ratios are taken per round, then
// the median. Writes the Markdown table to $BENCH_WORK/clone-storm.md.
//
//   node bench/clone-storm.mjs            (after npm run build; bench/run.sh runs it as a step)
// Settings (environment):
//   BENCH_FIXTURES=/tmp/heater-bench/fixtures  fixtures from bench/make-fixtures.sh DIR small medium
//   BENCH_WORK=/tmp/heater-bench/run           this script works in $BENCH_WORK/clone-storm
//   STORM_REPOS="medium small"  STORM_CLIENTS=16  STORM_ROUNDS=3  STORM_WARM=2 (warm storms per round)
//   STORM_PORT_BASE=18180 (nginx; Heater on +1)  STORM_FCGI_CHILDREN=16 (all 16 clones served at once)
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const env = process.env;
const int = (v, d) => (v === undefined || v === '' ? d : Number.parseInt(v, 10));
const cfg = {
  fixtures: resolve(env.BENCH_FIXTURES || '/tmp/heater-bench/fixtures'),
  out: resolve(env.BENCH_WORK || '/tmp/heater-bench/run'),
  repos: (env.STORM_REPOS || 'medium small').split(/[\s,]+/).filter(Boolean),
  clients: int(env.STORM_CLIENTS, 16),
  rounds: int(env.STORM_ROUNDS, 3),
  warm: int(env.STORM_WARM, 2),
  portBase: int(env.STORM_PORT_BASE, 18180),
  fcgiChildren: int(env.STORM_FCGI_CHILDREN, 16),
};
const work = join(cfg.out, 'clone-storm');
const W = (...p) => join(work, ...p);
const TOKEN = 'heater-bench-admin-token-0123456789';
const P = { nginx: cfg.portBase, heater: cfg.portBase + 1 };
const CGI_TIMES = W('cgi-times.log');
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const runId = Math.floor(Date.now() / 1000) % 1000000000;

const log = (msg) => process.stderr.write(`clone-storm: ${msg}\n`);
class Fatal extends Error {}
const die = (msg) => { throw new Fatal(msg); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// client git: none of the caller's configuration
const gitEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('GIT_')));
Object.assign(gitEnv, { HOME: W('home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: W('home', '.gitconfig'), GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' });
function git(args, opts = {}) {
  const r = spawnSync('git', args, { env: gitEnv, cwd: opts.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) die(`git ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

// ------------------------------------------------------------------ processes we start (stopped by pid)
const started = [];
function startProc(name, cmd, args, opts = {}) {
  mkdirSync(W('logs'), { recursive: true });
  const fd = openSync(W('logs', `${name}.log`), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: opts.env ?? gitEnv });
  const p = { name, pid: child.pid, reaped: false };
  started.push(p);
  child.on('exit', () => { p.reaped = true; });
  return p;
}
/** Direct children of `pid`, from /proc/<pid>/task/<tid>/children. */
function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch { return []; }
}
async function stopAll() {
  for (const p of [...started].reverse()) {
    if (p.reaped) continue;
    const kids = childrenOf(p.pid); // fcgiwrap's preforked workers
    try { process.kill(p.pid, 'SIGTERM'); } catch { /* gone */ }
    for (const k of kids) { try { process.kill(k, 'SIGTERM'); } catch { /* gone */ } }
  }
  for (let i = 0; i < 250 && started.some((p) => !p.reaped); i++) await sleep(20);
  for (const p of started) if (!p.reaped) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { void stopAll().then(() => process.exit(130)); });

async function waitPort(port, name) {
  for (let i = 0; i < 600; i++) {
    if (await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); }); s.on('error', () => r(false)); })) return;
    if (started.find((p) => p.name === name)?.reaped) die(`${name} exited before listening; see ${W('logs', `${name}.log`)}`);
    await sleep(50);
  }
  die(`${name} did not listen on 127.0.0.1:${port} within 30 s`);
}
const portFree = (port) => new Promise((r) => { const s = net.createServer(); s.once('error', () => r(false)); s.listen(port, '127.0.0.1', () => s.close(() => r(true))); });

// ------------------------------------------------------------------ CPU from /proc
/** utime+stime+cutime+cstime of `pid` in seconds, 0 when it is gone. */
function cpuOf(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state): utime is field 14
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / HZ;
  } catch { return 0; }
}
/** CPU seconds the timed http-backend wrapper logged so far. */
function cgiCpu() {
  return readFileSync(CGI_TIMES, 'utf8').split('\n').reduce((n, l) => {
    const m = /^(\d+\.\d+) (\d+\.\d+)$/.exec(l);
    return m ? n + Number(m[1]) + Number(m[2]) : n;
  }, 0);
}
/** CPU seconds of a server: its processes and all their live descendants (reaped ones are in their parents' c-times). */
function treeCpu(pids) {
  const all = [...pids];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i]));
  return all.reduce((n, p) => n + cpuOf(p), 0);
}

// ------------------------------------------------------------------ set-up
function prepare() {
  rmSync(W('clones'), { recursive: true, force: true });
  mkdirSync(W('home'), { recursive: true });
  writeFileSync(W('home', '.gitconfig'), '[user]\n\tname = Heater Bench\n\temail = bench@heater.invalid\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n[gc]\n\tauto = 0\n');
  for (const name of cfg.repos) {
    const src = join(cfg.fixtures, 'bench', `${name}.git`);
    if (!existsSync(src)) die(`fixture ${src} is missing: run bench/make-fixtures.sh ${cfg.fixtures} ${cfg.repos.join(' ')}`);
    // each server its own copy: pushes land in both
    for (const side of ['http-repos', 'heater-repos']) {
      const dst = W(side, 'bench', `${name}.git`);
      rmSync(dst, { recursive: true, force: true });
      mkdirSync(dirname(dst), { recursive: true });
      cpSync(src, dst, { recursive: true });
    }
    const wc = W('wc', name);
    rmSync(wc, { recursive: true, force: true });
    git(['clone', '-q', src, wc]);
  }
}

async function startServers() {
  for (const [what, port] of Object.entries(P)) if (!(await portFree(port))) die(`port ${port} (${what}) is in use on 127.0.0.1: set STORM_PORT_BASE`);
  if (!existsSync(join(root, 'dist', 'main.js'))) die('dist/main.js is missing: run npm run build first');
  const sock = W('fcgiwrap.sock');
  rmSync(sock, { force: true });
  const fcgi = startProc('fcgiwrap', 'fcgiwrap', ['-c', String(cfg.fcgiChildren), '-s', `unix:${sock}`]);
  for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(20);
  if (!existsSync(sock)) die('fcgiwrap did not create its socket');
  for (const d of ['body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']) mkdirSync(W('nginx', 'tmp', d), { recursive: true });
  mkdirSync(W('static'), { recursive: true });
  const user = process.getuid() === 0 ? 'user root root;' : '';
  // bench/nginx.conf as bench/anchors.mjs fills it in
  const conf = readFileSync(join(here, 'nginx.conf'), 'utf8')
    .replaceAll('@WORK@', work).replaceAll('@PORT@', String(P.nginx)).replaceAll('@STATIC@', W('static'))
    .replaceAll('@REPOS@', W('http-repos')).replaceAll('@SOCK@', sock).replaceAll('@USER@', user)
    .replaceAll('@FCGI_BUFFERING@', 'off')
    .replaceAll('@GIT_EXEC_PATH@', W('cgi'));
  writeFileSync(W('nginx', 'nginx.conf'), conf);
  // the real http-backend, timed: user and system seconds of it and everything it waited for
  const backend = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');
  mkdirSync(W('cgi'), { recursive: true });
  writeFileSync(W('cgi', 'git-http-backend'), `#!/bin/bash\nTIMEFORMAT='%3U %3S'\n{ time '${backend}' 2>&4 4>&-; } 4>&2 2>>'${CGI_TIMES}'\n`, { mode: 0o755 });
  writeFileSync(CGI_TIMES, '');
  const ngArgs = ['-p', W('nginx'), '-e', W('nginx', 'error.log'), '-c', W('nginx', 'nginx.conf')];
  const t = spawnSync('nginx', [...ngArgs, '-t', '-q'], { encoding: 'utf8' });
  if (t.status !== 0) die(`nginx rejected ${W('nginx', 'nginx.conf')}: ${t.stderr}`);
  const nginx = startProc('nginx', 'nginx', [...ngArgs, '-g', 'daemon off;']);
  const heater = startProc('heater', process.execPath, [join(root, 'dist', 'main.js')], {
    env: { ...gitEnv, HEATER_REPOS: W('heater-repos'), HEATER_HOST: '127.0.0.1', HEATER_PORT: String(P.heater), HEATER_ADMIN_TOKEN: TOKEN, HEATER_LOG_LEVEL: 'warn' },
  });
  await waitPort(P.nginx, 'nginx');
  await waitPort(P.heater, 'heater');
  return {
    http: { pids: [nginx.pid, fcgi.pid], extraCpu: cgiCpu, url: (r) => `http://127.0.0.1:${P.nginx}/bench/${r}.git` },
    heater: { pids: [heater.pid], url: (r) => `http://127.0.0.1:${P.heater}/bench/${r}.git` },
  };
}

// ------------------------------------------------------------------ storms
/** One commit and one tag on the repo's main, pushed to both servers: the next storm is cold. */
function push(repo, k) {
  const wc = W('wc', repo);
  writeFileSync(join(wc, 'STORM.md'), `storm ${runId}.${k}\n`);
  git(['-C', wc, 'add', 'STORM.md']);
  git(['-C', wc, 'commit', '-q', '-m', `storm ${runId}.${k}`]);
  git(['-C', wc, 'tag', '-a', '-m', `storm ${k}`, `v9.${runId}.${k}`]);
  git(['-C', wc, 'push', '-q', W('http-repos', 'bench', `${repo}.git`), 'main', `v9.${runId}.${k}`]);
  git(['-C', wc, 'push', '-q', `http://bench:${TOKEN}@127.0.0.1:${P.heater}/bench/${repo}.git`, 'main', `v9.${runId}.${k}`]);
}

/**
 * Waits until Heater has no background work queued (the precomputed diffs of versions a push or the
 * start-up fill brought: on medium a pair's Heat summary reads two 7 MB trees), so a storm's CPU is the clones'.
 */
async function settled() {
  for (let i = 0; i < 240; i++) {
    const text = await (await fetch(`http://127.0.0.1:${P.heater}/metrics`)).text().catch(() => '');
    if (/^heater_diff_precompute_queued 0$/m.test(text)) return;
    await sleep(500); // the start-up fill runs only after 200 ms without a request: a closer poll would hold it off
  }
  die('Heater\'s background work did not settle within 2 minutes');
}

let n = 0;
/** `clients` simultaneous `git clone --no-checkout`; resolves with wall seconds and server CPU seconds per clone. */
async function storm(server, repo, shallow) {
  const dirs = Array.from({ length: cfg.clients }, () => W('clones', `c${n++}`));
  const serverCpu = () => treeCpu(server.pids) + (server.extraCpu?.() ?? 0);
  const cpu0 = serverCpu();
  const t0 = process.hrtime.bigint();
  const codes = await Promise.all(dirs.map((d) => new Promise((res) => {
    const args = ['clone', '-q', '--no-checkout', ...(shallow ? ['--depth', '1'] : []), server.url(repo), d];
    const c = spawn('git', args, { env: gitEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b) => { err += b; });
    c.on('close', (code) => res(code === 0 ? '' : `exit ${code}: ${err.trim()}`));
  })));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  await sleep(100); // the servers' last children reaped
  const cpu = (serverCpu() - cpu0) / cfg.clients;
  const failed = codes.filter(Boolean);
  if (failed.length > 0) die(`${failed.length} of ${cfg.clients} clones of ${repo} failed: ${failed[0]}`);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  return { wall, cpu };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main() {
  prepare();
  const servers = await startServers();
  const kinds = [['full', false, 'cold'], ...Array.from({ length: cfg.warm }, () => ['full', false, 'warm']), ['depth 1', true, 'cold'], ...Array.from({ length: cfg.warm }, () => ['depth 1', true, 'warm'])];
  const results = {}; // `${repo}|${kind}|${temp}` -> { http: [{wall,cpu}], heater: [...] }
  for (const repo of cfg.repos) {
    for (let k = 0; k < cfg.rounds; k++) {
      push(repo, k);
      await settled();
      // a round: each server its storms in turn, which one first alternates
      for (const side of k % 2 === 0 ? ['http', 'heater'] : ['heater', 'http']) {
        for (const [kind, shallow, temp] of kinds) {
          const r = await storm(servers[side], repo, shallow);
          const key = `${repo}|${kind}|${temp}`;
          results[key] ??= { http: [], heater: [] };
          results[key][side].push(r);
          log(`${repo} round ${k + 1}/${cfg.rounds} ${side} ${kind} ${temp}: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(3)} CPU s/clone`);
        }
      }
    }
  }
  const L = [];
  L.push(`# Clone storm: ${cfg.clients} identical simultaneous \`git clone --no-checkout\`, ${new Date().toISOString()}`, '');
  L.push(`Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${git(['--version']).trim()}, Node ${process.version}; fcgiwrap children ${cfg.fcgiChildren}; ${cfg.rounds} rounds, a push before each (cold), then ${cfg.warm} warm storms; medians; ratios per round, then the median.`, '');
  L.push('| repo | clone | cache | http-backend wall s | Heater wall s | wall Heater/http-backend | http-backend CPU s/clone | Heater CPU s/clone | CPU Heater/http-backend |');
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const [key, r] of Object.entries(results)) {
    const [repo, kind, temp] = key.split('|');
    const ratio = (f) => median(r.heater.map((h, i) => f(h) / Math.max(f(r.http[i]), 1e-9)));
    const med = (side, f) => median(r[side].map(f));
    L.push(`| ${repo} | ${kind} | ${temp} | ${med('http', (x) => x.wall).toFixed(2)} | ${med('heater', (x) => x.wall).toFixed(2)} | ${ratio((x) => x.wall).toFixed(2)} | ${med('http', (x) => x.cpu).toFixed(3)} | ${med('heater', (x) => x.cpu).toFixed(3)} | ${ratio((x) => x.cpu).toFixed(2)} |`);
  }
  L.push('', 'Before each round\'s storms, after its push, the script waits until Heater has no background work queued (heater_diff_precompute_queued 0: the diffs of the pushed version and the start-up fill), so the CPU measured is the clones\'.');
  L.push('', `CPU: utime+stime+cutime+cstime from /proc/<pid>/stat over each server's process tree (nginx + fcgiwrap and their workers; node and its children), before and after the storm, plus for http-backend the user+system time bash's \`time\` logged around each git-http-backend (fcgiwrap reaps its CGIs with SIGCHLD ignored, so their times never reach cutime); divided by the clones; clock ticks of 1/${HZ} s.`);
  const text = `${L.join('\n')}\n`;
  mkdirSync(cfg.out, { recursive: true });
  writeFileSync(join(cfg.out, 'clone-storm.md'), text);
  process.stdout.write(text);
}

main().then(() => stopAll(), async (e) => {
  await stopAll();
  log(e instanceof Fatal ? e.message : (e?.stack ?? String(e)));
  process.exit(1);
});
