#!/usr/bin/env node
// anchors.mjs — measures the reference systems a Heater server is judged against, and,
// when PRODUCT_URL is given, the product beside them in the same run. Start it through
// anchors.sh, which installs the apt packages and builds the fixtures; see that file's
// header for every setting. Everything binds 127.0.0.1. Every process it starts is
// recorded and stopped by PID when it ends (also on Ctrl-C).
//
// Timing: each command is a whole process (git clone, git fetch, git push) timed from
// spawn to exit with a monotonic clock in this process; set-up (rm -rf of the target,
// making the commit to push) is outside the timed span. Variants run interleaved, round by
// round in rotating order, so drift hits all of them alike; ratios are taken per round and
// their median is reported. Raw file serving is measured with wrk.
// Copied from the shared harness /work/shared/bench/anchors.mjs; unchanged apart from this line.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, cpSync, readdirSync, openSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import http from 'node:http';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const int = (v, d) => (v === undefined || v === '' ? d : Number.parseInt(v, 10));

const cfg = {
  work: resolve(env.BENCH_WORK || '/tmp/heater-bench/run'),
  fixtures: resolve(env.BENCH_FIXTURES || '/tmp/heater-bench/fixtures'),
  portBase: int(env.PORT_BASE, 18080),
  runsSmall: int(env.RUNS_SMALL, 15),
  runsMedium: int(env.RUNS_MEDIUM, 9),
  runsPush: int(env.RUNS_PUSH, 15),
  warmup: int(env.WARMUP, 2),
  wrkDuration: env.WRK_DURATION || '5s',
  wrkRuns: int(env.WRK_RUNS, 3),
  concurrency: (env.CONCURRENCY || '1 16 64').split(/[\s,]+/).filter(Boolean).map(Number),
  only: new Set((env.ONLY || 'clone,push,files').split(/[\s,]+/).filter(Boolean)),
  fcgiBuffering: env.FCGI_BUFFERING === 'on' ? 'on' : 'off',
  fcgiChildren: int(env.FCGI_CHILDREN, 4),
  fileVersion: env.FILE_VERSION || '1.2.3',
  filePath: env.FILE_PATH || 'template.yaml',
};
const product = env.PRODUCT_URL ? {
  url: env.PRODUCT_URL.replace(/\/+$/, ''),
  gitPath: env.PRODUCT_GIT_PATH || '/bench/{repo}.git',
  filePath: env.PRODUCT_FILE_PATH || '/api/v1/templates/bench/small/versions/{version}/files/{path}',
  token: env.PRODUCT_TOKEN || '',
  cmd: env.PRODUCT_CMD || '',
  readyPath: env.PRODUCT_READY_PATH || '/healthz',
} : null;
function fail(msg) { process.stderr.write(`anchors: ${msg}\n`); process.exit(1); } // before anything started
for (const [k, v] of Object.entries(cfg)) if (typeof v === 'number' && !(v >= 0)) fail(`${k} must be a number`);
if (cfg.concurrency.some((c) => !(c >= 1))) fail('CONCURRENCY must list positive numbers');
if (product) { try { new URL(product.url); } catch { fail(`PRODUCT_URL is not a URL: ${product.url}`); } }

const P = { nginx: cfg.portBase, spawn: cfg.portBase + 1, catfile: cfg.portBase + 2, daemon: cfg.portBase + 3 };
const W = (...p) => join(cfg.work, ...p);
const REPOS = W('repos');
const repoDir = (name) => join(REPOS, 'bench', `${name}.git`);
const runId = Math.floor(Date.now() / 1000) % 1000000000;

class Fatal extends Error {}
function die(msg) { throw new Fatal(msg); } // caught in main: servers are stopped, then exit 1
function log(msg) { process.stderr.write(`${msg}\n`); }

// ------------------------------------------------------------------ git environment
// Ignore the caller's git configuration; every client command runs with this one.
const gitEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('GIT_')));
Object.assign(gitEnv, {
  HOME: W('home'), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: W('home', '.gitconfig'),
  GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C',
});
const productGitEnv = { ...gitEnv };
if (product?.token) Object.assign(productGitEnv, { // Basic auth sent up front, as on every push from CI
  GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader',
  GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`bench:${product.token}`).toString('base64')}`,
});

function git(args, opts = {}) {
  const r = spawnSync('git', args, { env: opts.env ?? gitEnv, cwd: opts.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Fatal(`git ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

// ------------------------------------------------------------------ processes we start
const started = [];
function startProc(name, cmd, args, opts = {}) {
  mkdirSync(W('logs'), { recursive: true });
  const fd = openSync(W('logs', `${name}.log`), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: opts.env ?? gitEnv, cwd: opts.cwd, detached: !!opts.group });
  started.push({ name, pid: child.pid, group: !!opts.group });
  child.on('exit', (code, sig) => { const s = started.find((p) => p.pid === child.pid); if (s) { s.exited ??= `${code ?? sig}`; s.reaped = true; } });
  return child;
}
function childrenOf(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { const st = readFileSync(`/proc/${d}/stat`, 'utf8'); if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d)); } catch { /* gone */ }
  }
  return out;
}
function stopAll() {
  for (const p of [...started].reverse()) {
    if (p.exited) continue;
    const kids = p.group ? [] : childrenOf(p.pid); // e.g. fcgiwrap's preforked workers
    try { process.kill(p.group ? -p.pid : p.pid, 'SIGTERM'); } catch { /* already gone */ }
    for (const k of kids) { try { process.kill(k, 'SIGTERM'); } catch { /* gone */ } }
    p.exited = 'stopped';
  }
}
// Stop everything, wait (up to 5 s) until our children are reaped, SIGKILL what is left, exit.
async function finish(code) {
  stopAll();
  for (let i = 0; i < 250 && started.some((p) => !p.reaped); i++) await sleep(20);
  for (const p of started) if (!p.reaped) { try { process.kill(p.group ? -p.pid : p.pid, 'SIGKILL'); } catch { /* gone */ } }
  process.exit(code);
}
process.on('exit', stopAll); // die() and other synchronous exits: at least signal them
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// wait until something listens on host:port; give up early when the process `name` has exited
async function waitPort(port, what, name, { ms = 15000, host = '127.0.0.1' } = {}) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    const ok = await new Promise((r) => { const s = net.connect(port, host, () => { s.end(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return;
    const p = started.find((x) => x.name === name);
    if (p?.reaped) die(`${what} exited (${p.exited}) before listening on ${host}:${port}: see ${W('logs', `${name}.log`)}`);
    await sleep(50);
  }
  die(`${what} did not listen on ${host}:${port} within ${ms} ms (see ${W('logs')})`);
}
function httpGet(url, headers = {}) {
  return new Promise((res, rej) => {
    const req = http.get(url, { headers }, (r) => { const c = []; r.on('data', (d) => c.push(d)); r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(c) })); });
    req.on('error', rej);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  });
}
async function portFree(port) {
  return new Promise((r) => { const s = net.createServer(); s.once('error', () => r(false)); s.listen(port, '127.0.0.1', () => s.close(() => r(true))); });
}

// ------------------------------------------------------------------ statistics
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const summary = (a) => ({ median: median(a), min: Math.min(...a), max: Math.max(...a), n: a.length });
const f = (x, d = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
const rot = (arr, k) => arr.map((_, i) => arr[(i + k) % arr.length]);

function timeIt(cmd, args, opts) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: opts.env ?? gitEnv, cwd: opts.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Fatal(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${String(r.stderr).trim()}`);
  return ms;
}

// variants: [{ name, prep?(k), cmd(k) -> [cmd, args, opts] }]; k counts every round, warm-up included
function series(variants, runs) {
  const t = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let k = 0; k < cfg.warmup + runs; k++) {
    for (const v of rot(variants, k)) {
      v.prep?.(k);
      const [cmd, args, opts] = v.cmd(k);
      const ms = timeIt(cmd, args, opts ?? {});
      if (k >= cfg.warmup) t[v.name].push(ms);
    }
  }
  return t;
}
const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]));

// ------------------------------------------------------------------ set-up
function machineFacts() {
  const first = (cmd, args) => { try { const r = spawnSync(cmd, args, { encoding: 'utf8' }); return `${r.stdout}${r.stderr}`.trim().split('\n')[0]; } catch { return 'n/a'; } };
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'n/a',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: `${os.type()} ${os.release()}`,
    os: (() => { try { return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))[1]; } catch { return 'n/a'; } })(),
    git: first('git', ['--version']),
    nginx: first('nginx', ['-v']),
    fcgiwrap: first('dpkg-query', ['-W', '-f', '${Package} ${Version}', 'fcgiwrap']),
    wrk: first('wrk', ['-v']).replace(/\s+Copyright.*/, ''),
    node: process.version,
  };
}

function prepareRepos() {
  mkdirSync(W('home'), { recursive: true });
  writeFileSync(W('home', '.gitconfig'), '[user]\n\tname = Heater Bench\n\temail = bench@heater.invalid\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n[gc]\n\tauto = 0\n');
  for (const name of ['small', 'medium']) {
    const src = join(cfg.fixtures, 'bench', `${name}.git`);
    if (!existsSync(src)) die(`fixture ${src} is missing: run bench/make-fixtures.sh ${cfg.fixtures} small medium`);
    const dst = repoDir(name);
    const want = git(['--git-dir', src, 'rev-parse', 'main']).trim();
    let have = '';
    try { have = git(['--git-dir', dst, 'rev-parse', 'main']).trim(); } catch { /* missing */ }
    if (have !== want) { rmSync(dst, { recursive: true, force: true }); mkdirSync(dirname(dst), { recursive: true }); cpSync(src, dst, { recursive: true }); }
  }
  // push targets, fresh copies of `small` each run: http-backend's, the file:// floor's, the product's
  for (const dst of [repoDir('push-ref'), W('push-floor.git'), repoDir('push')]) {
    rmSync(dst, { recursive: true, force: true });
    cpSync(join(cfg.fixtures, 'bench', 'small.git'), dst, { recursive: true });
    git(['--git-dir', dst, 'config', 'http.receivepack', 'true']);
  }
  mkdirSync(W('static'), { recursive: true });
  const blob = execFileSync('git', ['--git-dir', repoDir('small'), 'show', `v${cfg.fileVersion}:${cfg.filePath}`], { env: gitEnv });
  writeFileSync(W('static', cfg.filePath.replace(/\//g, '_')), blob);
  return blob;
}

async function startServers() {
  for (const [what, port] of Object.entries(P)) if (!(await portFree(port))) die(`port ${port} (${what}) is in use on 127.0.0.1: set PORT_BASE`);
  // fcgiwrap + nginx -> git http-backend
  const sock = W('fcgiwrap.sock');
  rmSync(sock, { force: true });
  startProc('fcgiwrap', 'fcgiwrap', ['-c', String(cfg.fcgiChildren), '-s', `unix:${sock}`]);
  for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(20);
  if (!existsSync(sock)) die('fcgiwrap did not create its socket');
  for (const d of ['body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']) mkdirSync(W('nginx', 'tmp', d), { recursive: true });
  const user = process.getuid() === 0 ? 'user root root;  # workers run as the harness user, who owns the repos and the fcgiwrap socket' : '';
  const conf = readFileSync(join(here, 'nginx.conf'), 'utf8')
    .replaceAll('@WORK@', cfg.work).replaceAll('@PORT@', String(P.nginx)).replaceAll('@STATIC@', W('static'))
    .replaceAll('@REPOS@', REPOS).replaceAll('@SOCK@', sock).replaceAll('@USER@', user)
    .replaceAll('@FCGI_BUFFERING@', cfg.fcgiBuffering)
    .replaceAll('@GIT_EXEC_PATH@', execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim());
  writeFileSync(W('nginx', 'nginx.conf'), conf);
  const ngArgs = ['-p', W('nginx'), '-e', W('nginx', 'error.log'), '-c', W('nginx', 'nginx.conf')];
  const t = spawnSync('nginx', [...ngArgs, '-t', '-q'], { encoding: 'utf8' });
  if (t.status !== 0) die(`nginx rejected ${W('nginx', 'nginx.conf')}: ${t.stderr}`);
  startProc('nginx', 'nginx', [...ngArgs, '-g', 'daemon off;']);
  // git daemon (git://)
  startProc('git-daemon', 'git', ['daemon', '--reuseaddr', '--listen=127.0.0.1', `--port=${P.daemon}`, `--base-path=${REPOS}`, '--export-all', '--informative-errors', REPOS]);
  // naive file servers
  startProc('spawn-server', process.execPath, [join(here, 'ref-file-server.mjs'), 'spawn', String(P.spawn), repoDir('small')]);
  startProc('catfile-server', process.execPath, [join(here, 'ref-file-server.mjs'), 'catfile', String(P.catfile), repoDir('small')]);
  await waitPort(P.nginx, 'nginx', 'nginx');
  await waitPort(P.daemon, 'git daemon', 'git-daemon');
  await waitPort(P.spawn, 'spawn server', 'spawn-server');
  await waitPort(P.catfile, 'cat-file server', 'catfile-server');
  if (product?.cmd) {
    const u = new URL(product.url);
    if (u.protocol !== 'http:') die('PRODUCT_URL must be http:// (loopback benchmarks need no TLS)');
    if (!(await portFree(Number(u.port || 80)))) die(`PRODUCT_CMD given but ${u.host} is already in use`);
    const pe = { ...gitEnv, HEATER_REPOS: REPOS, HEATER_HOST: u.hostname, HEATER_PORT: u.port || '80', HEATER_PUBLIC_URL: product.url };
    if (product.token) pe.HEATER_ADMIN_TOKEN = product.token;
    product.proc = startProc('product', 'bash', ['-c', product.cmd], { env: pe, group: true });
    await waitPort(Number(u.port || 80), 'the product (PRODUCT_CMD)', 'product', { ms: 120000, host: u.hostname });
  }
  if (product) {
    const r = await httpGet(product.url + product.readyPath).catch((e) => ({ status: e.message }));
    if (r.status !== 200) die(`product not ready: GET ${product.url}${product.readyPath} gave ${r.status}`);
  }
}

// ------------------------------------------------------------------ clone / fetch
const url = {
  http: (r) => `http://127.0.0.1:${P.nginx}/bench/${r}.git`,
  daemon: (r) => `git://127.0.0.1:${P.daemon}/bench/${r}.git`,
  'daemon-v0': (r) => `git://127.0.0.1:${P.daemon}/bench/${r}.git`,
  file: (r) => `file://${repoDir(r)}`,
  local: (r) => repoDir(r),
  product: (r) => product.url + product.gitPath.replaceAll('{repo}', r),
};
const envFor = (v) => (v === 'product' ? productGitEnv : gitEnv);
// git:// with protocol v2 stalls on Nagle + delayed ACK (~40 ms per exchange on Linux), so
// git daemon is also measured with protocol v0, which has no such exchange.
const pre = (v) => (v === 'daemon-v0' ? ['-c', 'protocol.version=0'] : []);

function checkRemote(variant, repo, sameRefs = true) { // same refs as the fixture; which protocol is spoken
  const e = { ...envFor(variant), GIT_TRACE_PACKET: '1' };
  const r = spawnSync('git', [...pre(variant), 'ls-remote', url[variant](repo)], { env: e, encoding: 'utf8' });
  if (r.status !== 0) die(`${variant}: git ls-remote ${url[variant](repo)} failed: ${r.stderr.split('\n').filter((l) => !/packet:/.test(l)).join(' ').trim()}`);
  if (sameRefs) {
    const got = r.stdout.trim().split('\n').map((l) => l.replace('\t', ' ')).sort();
    const want = git(['--git-dir', repoDir(repo), 'show-ref', '--head', '-d']).trim().split('\n').sort();
    if (got.join('\n') !== want.join('\n')) die(`${variant}: ${url[variant](repo)} advertises other refs than the fixture ${repoDir(repo)} (${got.length} lines, want ${want.length})`);
  }
  return /< version 2/.test(r.stderr) ? 'v2' : 'v0';
}

function cloneSection(results) {
  const variants = ['http', 'daemon', 'daemon-v0', 'file', 'local', ...(product ? ['product'] : [])];
  results.protocol = {};
  for (const v of variants) if (v !== 'local') for (const repo of ['small', 'medium']) results.protocol[v] = checkRemote(v, repo);
  log(`protocols: ${JSON.stringify(results.protocol)}`);
  mkdirSync(W('clones'), { recursive: true });
  for (const repo of ['small', 'medium']) {
    const runs = repo === 'small' ? cfg.runsSmall : cfg.runsMedium;
    const ops = {
      clone: { vs: variants, extra: [] },
      depth1: { vs: variants.filter((v) => v !== 'local'), extra: ['--depth', '1'] },
    };
    for (const [op, { vs, extra }] of Object.entries(ops)) {
      log(`clone: ${repo} ${op} x${runs} (${vs.join(', ')})`);
      const t = series(vs.map((v) => {
        const dest = W('clones', `${repo}-${op}-${v}`);
        const mode = v === 'local' ? ['--local'] : v === 'file' ? ['--no-local'] : [];
        return { name: v, prep: () => rmSync(dest, { recursive: true, force: true }), cmd: () => ['git', [...pre(v), 'clone', '-q', '--no-checkout', ...mode, ...extra, url[v](repo), dest], { env: envFor(v) }] };
      }), runs);
      results.clone.push({ repo, op, runs, times: t });
    }
    // no-op fetch in an up-to-date clone
    const fvs = variants.filter((v) => v !== 'local');
    for (const v of fvs) {
      const dest = W('clones', `${repo}-fetch-${v}`);
      rmSync(dest, { recursive: true, force: true });
      git([...pre(v), 'clone', '-q', '--no-checkout', url[v](repo), dest], { env: envFor(v) });
    }
    log(`clone: ${repo} fetch (no-op) x${runs} (${fvs.join(', ')})`);
    const t = series(fvs.map((v) => ({ name: v, cmd: () => ['git', [...pre(v), '-C', W('clones', `${repo}-fetch-${v}`), 'fetch', '-q', 'origin'], { env: envFor(v) }] })), runs);
    results.clone.push({ repo, op: 'fetch', runs, times: t });
  }
  const sizes = {};
  for (const repo of ['small', 'medium']) {
    const p = join(repoDir(repo), 'objects', 'pack');
    sizes[repo] = readdirSync(p).filter((x) => x.endsWith('.pack')).reduce((s, x) => s + statSync(join(p, x)).size, 0);
  }
  results.packBytes = sizes;
}

// ------------------------------------------------------------------ push
function pushSection(results) {
  const targets = { http: url.http('push-ref'), file: `file://${W('push-floor.git')}`, ...(product ? { product: url.product('push') } : {}) };
  if (product) checkRemote('product', 'push', false);
  const vs = Object.keys(targets);
  for (const v of vs) {
    const wc = W('push-wc', v);
    rmSync(wc, { recursive: true, force: true });
    git(['clone', '-q', targets[v], wc], { env: envFor(v) });
  }
  const tag = (k) => `v9.${runId}.${k}`;
  log(`push: 1 commit + 1 tag x${cfg.runsPush} (${vs.join(', ')})`);
  const t = series(vs.map((v) => {
    const wc = W('push-wc', v);
    return {
      name: v,
      prep: (k) => {
        writeFileSync(join(wc, 'README.md'), `${readFileSync(join(wc, 'README.md'), 'utf8')}- bench push ${runId}.${k}\n`);
        git(['-C', wc, 'commit', '-q', '-a', '-m', `bench push ${runId}.${k}`]);
        git(['-C', wc, 'tag', '-a', '-m', `bench ${k}`, tag(k)]);
      },
      cmd: (k) => ['git', ['-C', wc, 'push', '-q', 'origin', 'main', tag(k)], { env: envFor(v) }],
    };
  }), cfg.runsPush);
  results.push = { runs: cfg.runsPush, times: t };
  // the pushes really landed
  const last = tag(cfg.warmup + cfg.runsPush - 1);
  for (const v of ['http', 'file']) {
    const dir = v === 'http' ? repoDir('push-ref') : W('push-floor.git');
    git(['--git-dir', dir, 'rev-parse', '--verify', '-q', `refs/tags/${last}`]);
  }
}

// ------------------------------------------------------------------ raw file serving
function parseWrk(out) {
  const num = (s) => { const m = /([\d.]+)(us|ms|s)/.exec(s); return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN; };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = num(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = num(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sockErr = /Socket errors:[^\n]*/.exec(out)?.[0] ?? '';
  if (!(rps > 0)) throw new Fatal(`could not read wrk output:\n${out}`);
  return { rps, p50, p99, errors: non2xx, sockErr };
}

async function filesSection(results, blob) {
  const servers = {
    'nginx-static': `http://127.0.0.1:${P.nginx}/static/${cfg.filePath.replace(/\//g, '_')}`,
    'node-spawn': `http://127.0.0.1:${P.spawn}/${cfg.fileVersion}/${cfg.filePath}`,
    'node-catfile': `http://127.0.0.1:${P.catfile}/${cfg.fileVersion}/${cfg.filePath}`,
  };
  if (product) servers.product = product.url + product.filePath.replaceAll('{version}', cfg.fileVersion).replaceAll('{path}', cfg.filePath);
  for (const [name, u] of Object.entries(servers)) { // every server returns exactly the blob
    const r = await httpGet(u).catch((e) => ({ status: e.message, body: Buffer.alloc(0) }));
    if (r.status !== 200 || !blob.equals(r.body)) die(`${name}: GET ${u} gave ${r.status} and ${r.body.length} bytes, not the ${blob.length}-byte blob`);
  }
  const names = Object.keys(servers);
  const raw = {};
  for (const n of names) for (const c of cfg.concurrency) raw[`${n}@${c}`] = [];
  for (let run = 0; run < cfg.wrkRuns; run++) {
    for (const c of cfg.concurrency) {
      for (const n of rot(names, run)) {
        log(`files: run ${run + 1}/${cfg.wrkRuns} c=${c} ${n}`);
        const threads = Math.min(c, os.cpus().length);
        const r = spawnSync('wrk', ['-t', String(threads), '-c', String(c), '-d', cfg.wrkDuration, '--timeout', '10s', '--latency', servers[n]], { encoding: 'utf8' });
        if (r.status !== 0) die(`wrk failed against ${n}: ${r.stderr}`);
        raw[`${n}@${c}`].push(parseWrk(r.stdout));
      }
    }
  }
  const rss = {};
  for (const p of started.filter((x) => ['spawn-server', 'catfile-server'].includes(x.name))) rss[p.name] = vmHWM(p.pid);
  results.files = { servers, bytes: blob.length, duration: cfg.wrkDuration, runs: cfg.wrkRuns, raw, peakRssKiB: rss };
}
function vmHWM(pid) { try { return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return NaN; } }
function treeRss(pid) { // KiB: sum of current RSS over the process and its descendants, and the largest peak
  let sum = 0, peak = 0; const seen = [pid];
  for (let i = 0; i < seen.length; i++) {
    try { const s = readFileSync(`/proc/${seen[i]}/status`, 'utf8'); sum += Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0); peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0)); } catch { /* gone */ }
    seen.push(...childrenOf(seen[i]));
  }
  return { rssSumKiB: sum, largestPeakKiB: peak, pids: seen.length };
}

// ------------------------------------------------------------------ report
function report(res) {
  const L = [];
  const m = res.machine;
  L.push(`# Heater anchor benchmarks — ${m.date}`, '');
  L.push(`Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memGiB} GiB, ${m.os}, ${m.kernel}; ${m.git}; ${m.nginx}; ${m.fcgiwrap}; ${m.wrk}; Node ${m.node}.`);
  L.push(`Settings: warm-up ${cfg.warmup} rounds; runs small ${cfg.runsSmall}, medium ${cfg.runsMedium}, push ${cfg.runsPush}; wrk ${cfg.wrkRuns} x ${cfg.wrkDuration}; fastcgi_buffering ${cfg.fcgiBuffering}, fcgiwrap children ${cfg.fcgiChildren}.`);
  if (product) L.push(`Product: ${product.url} (git ${product.gitPath}, file ${product.filePath})${product.cmd ? `, started with \`${product.cmd}\`` : ''}.`);
  L.push('');
  if (res.clone.length) {
    L.push(`## Clone and fetch (ms, whole \`git\` process; median [min–max]; clones are \`--no-checkout\`)`, '');
    L.push(`Protocol spoken: ${Object.entries(res.protocol).map(([k, v]) => `${k} ${v}`).join(', ')}. Pack sizes: small ${(res.packBytes.small / 2 ** 20).toFixed(2)} MiB, medium ${(res.packBytes.medium / 2 ** 20).toFixed(2)} MiB.`, '');
    const cols = ['http', 'daemon', 'daemon-v0', 'file', 'local', ...(product ? ['product'] : [])];
    const head = { http: 'http-backend (nginx+fcgiwrap)', daemon: 'git daemon', 'daemon-v0': 'git daemon, v0', file: 'file:// --no-local', local: '--local', product: 'product' };
    L.push(`| repo | operation | ${cols.map((c) => head[c]).join(' | ')}${product ? ' | product/http-backend | product/file://' : ''} |`);
    L.push(`|---|---|${cols.map(() => '---:').join('|')}|${product ? '---:|---:|' : ''}`);
    for (const { repo, op, times } of res.clone) {
      const cells = cols.map((c) => { if (!times[c]) return 'n/a'; const s = summary(times[c]); return `${f(s.median)} [${f(s.min)}–${f(s.max)}]`; });
      const ratios = product ? ` | ${pairedRatio(times.product, times.http).toFixed(2)} | ${pairedRatio(times.product, times.file).toFixed(2)}` : '';
      L.push(`| ${repo} | ${{ clone: 'full clone', depth1: 'clone --depth 1', fetch: 'no-op fetch' }[op]} | ${cells.join(' | ')}${ratios} |`);
    }
    L.push('');
  }
  if (res.push) {
    const t = res.push.times;
    L.push(`## Push of 1 commit + 1 annotated tag to \`small\` (ms, whole \`git push\`; median [min–max])`, '');
    const cols = Object.keys(t);
    L.push(`| ${cols.map((c) => ({ http: 'http-backend (nginx+fcgiwrap)', file: 'file:// (floor)', product: 'product' }[c])).join(' | ')}${product ? ' | product/http-backend |' : ' |'}`);
    L.push(`|${cols.map(() => '---:').join('|')}|${product ? '---:|' : ''}`);
    L.push(`| ${cols.map((c) => { const s = summary(t[c]); return `${f(s.median)} [${f(s.min)}–${f(s.max)}]`; }).join(' | ')}${product ? ` | ${pairedRatio(t.product, t.http).toFixed(2)} |` : ' |'}`);
    L.push('');
  }
  if (res.files) {
    const F = res.files;
    L.push(`## Raw file: GET of a ${F.bytes}-byte file (\`${cfg.filePath}\` at v${cfg.fileVersion}), wrk, ${F.runs} runs x ${F.duration} each; medians [min–max]`, '');
    const names = Object.keys(F.servers);
    const label = { 'nginx-static': 'nginx static file', 'node-spawn': 'Node, spawn `git show` per request', 'node-catfile': 'Node, one `git cat-file --batch`', product: 'product' };
    L.push(`| server | conc. | req/s | p50 ms | p99 ms | errors |${product ? ' product/this req/s |' : ''}`);
    L.push(`|---|---:|---:|---:|---:|---:|${product ? '---:|' : ''}`);
    for (const c of cfg.concurrency) {
      for (const n of names) {
        const runs = F.raw[`${n}@${c}`];
        const rps = summary(runs.map((r) => r.rps)), p50 = summary(runs.map((r) => r.p50)), p99 = summary(runs.map((r) => r.p99));
        const errs = runs.reduce((s, r) => s + r.errors, 0) + (runs.some((r) => r.sockErr) ? ` (${runs.map((r) => r.sockErr).filter(Boolean)[0]})` : '');
        const ratio = product && n !== 'product' ? ` ${pairedRatio(F.raw[`product@${c}`].map((r) => r.rps), runs.map((r) => r.rps)).toFixed(2)} |` : product ? ' |' : '';
        L.push(`| ${label[n]} | ${c} | ${f(rps.median, 0)} [${f(rps.min, 0)}–${f(rps.max, 0)}] | ${p50.median.toFixed(2)} [${p50.min.toFixed(2)}–${p50.max.toFixed(2)}] | ${p99.median.toFixed(2)} [${p99.min.toFixed(2)}–${p99.max.toFixed(2)}] | ${errs} |${ratio}`);
      }
    }
    L.push('', `Peak RSS of the Node reference servers: ${Object.entries(F.peakRssKiB).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} MiB`).join(', ')}.`);
    if (res.productRss) L.push(`Product process tree at the end: ${(res.productRss.rssSumKiB / 1024).toFixed(0)} MiB RSS over ${res.productRss.pids} processes, largest single peak ${(res.productRss.largestPeakKiB / 1024).toFixed(0)} MiB.`);
    L.push('');
  }
  return L.join('\n');
}

// ------------------------------------------------------------------ main
async function main() {
  const t0 = Date.now();
  mkdirSync(cfg.work, { recursive: true });
  rmSync(W('logs'), { recursive: true, force: true });
  const blob = prepareRepos();
  await startServers();
  if (cfg.only.has('serve')) { // keep the references up for manual measurements, until SIGINT/SIGTERM
    process.stdout.write([
      `git http-backend: ${url.http('small')}  ${url.http('medium')}  (push: ${url.http('push-ref')})`,
      `git daemon:       ${url.daemon('small')}  ${url.daemon('medium')}`,
      `file:             ${url.file('small')}`,
      `nginx static:     http://127.0.0.1:${P.nginx}/static/${cfg.filePath.replace(/\//g, '_')}`,
      `spawn server:     http://127.0.0.1:${P.spawn}/${cfg.fileVersion}/${cfg.filePath}`,
      `cat-file server:  http://127.0.0.1:${P.catfile}/${cfg.fileVersion}/${cfg.filePath}`,
      `serving until interrupted (kill ${process.pid})`, ''].join('\n'));
    await new Promise(() => {});
  }
  const results = { machine: machineFacts(), cfg: { ...cfg, only: [...cfg.only] }, product: product ? { ...product, token: product.token ? '(set)' : '', proc: undefined } : null, clone: [] };
  if (cfg.only.has('clone')) cloneSection(results);
  if (cfg.only.has('push')) pushSection(results);
  if (cfg.only.has('files')) await filesSection(results, blob);
  if (product?.proc) results.productRss = treeRss(product.proc.pid);
  results.wallSeconds = Math.round((Date.now() - t0) / 1000);
  const md = `${report(results)}\nWhole run: ${results.wallSeconds} s. Raw figures: ${W('results.json')}.\n`;
  writeFileSync(W('results.json'), JSON.stringify(results, null, 1));
  writeFileSync(W('results.md'), md);
  process.stdout.write(md);
}

try {
  await main();
  await finish(0);
} catch (e) {
  log(`anchors: ${e instanceof Fatal ? e.message : e.stack}`);
  await finish(1);
}
