#!/usr/bin/env node
// resolve.mjs — Heater-only micro benchmark: resolving a version reference (exact version, semver
// range, `latest`, label) against a template with 1,000 versions, over HTTP, warm.
//
//   node bench/resolve.mjs            (run from anywhere; needs dist/ from `npm run build`, git, wrk)
//
// 1. builds, with `git fast-import` (about a second), a bare repo with 1,000 annotated version tags
//    (995 releases v1.0.0 … v5.9.14: majors 1-5, minors 0-9, patches 0-19; plus 5 prereleases
//    2.4.0-rc.1, 3.0.0-beta.1, 6.0.0-alpha.1, 6.0.0-beta.1, 6.0.0-rc.1), one commit per version,
//    an annotated label `stable` (at v4.2.7) and branch main; then `git gc` (refs packed, one pack).
//    It goes to $RESOLVE_WORK/repos/bench/many-versions.git (default $BENCH_WORK/resolve, with
//    BENCH_WORK defaulting to /tmp/heater-bench/run), rebuilt every run; dates are fixed, so the
//    commit ids are the same on every run.
// 2. starts the built server, `node dist/main.js`, with HEATER_REPOS=$RESOLVE_WORK/repos on a free
//    port of 127.0.0.1, and waits for /healthz;
// 3. checks that every ref resolves to the version semver's maxSatisfying picks (the server must
//    agree with node-semver), and times the very first request (cold: for-each-ref of 1,000 tags);
// 4. warms each ref (RESOLVE_WARM sequential requests), then for each ref:
//      - a sequential Node loop of RESOLVE_SEQ requests over one keep-alive connection, timing each
//        request from write to the last body byte (p50/p90/p99/max, req/s);
//      - wrk --latency at each of RESOLVE_CONCURRENCY for RESOLVE_DURATION (req/s, p50/p99);
// 5. reads VmRSS/VmHWM of the server (and its git children) from /proc after all load, stops it.
// Prints a Markdown report, also written to $BENCH_WORK/resolve.md, raw figures to resolve.json.
//
// Settings: RESOLVE_SEQ=2000 RESOLVE_WARM=300 RESOLVE_DURATION=5s RESOLVE_CONCURRENCY="1 16"
//           RESOLVE_REFS (space-separated, URL-encoded; default below) RESOLVE_WORK
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, readFileSync, writeFileSync, readdirSync, existsSync, openSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const semver = createRequire(join(root, 'package.json'))('semver');
const env = process.env;
const benchWork = resolve(env.BENCH_WORK || '/tmp/heater-bench/run');
const work = resolve(env.RESOLVE_WORK || join(benchWork, 'resolve'));
const SEQ = Number(env.RESOLVE_SEQ || 2000);
const WARM = Number(env.RESOLVE_WARM || 300);
const DURATION = env.RESOLVE_DURATION || '5s';
const CONC = (env.RESOLVE_CONCURRENCY || '1 16').split(/[\s,]+/).filter(Boolean).map(Number);
const REFS = (env.RESOLVE_REFS || '%5E1.2 ~2.3.0 1.x %3E%3D1.0.0%20%3C2.0.0 latest stable 3.4.5').split(/\s+/).filter(Boolean);
const TOKEN = 'heater-bench-resolve-token-0123456789';
const TEMPLATE = 'bench/many-versions';
const gitDir = join(work, 'repos', 'bench', 'many-versions.git');

const log = (m) => process.stderr.write(`resolve: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let server = null;
function stop() { if (server && server.exitCode === null) { try { server.kill('SIGTERM'); } catch { /* gone */ } } }
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stop(); process.exit(130); });

// ------------------------------------------------------------------ the repo
const AUTHOR = 'Heater Bench <bench@heater.invalid>';
const BASE = 1704067200; // 2024-01-01T00:00:00Z
function versionList() {
  const out = [];
  for (let M = 1; M <= 5; M++) for (let m = 0; m <= 9; m++) for (let p = 0; p <= 19; p++) out.push(`${M}.${m}.${p}`);
  out.splice(out.length - 5, 5); // 995 releases, up to 5.9.14
  out.push('2.4.0-rc.1', '3.0.0-beta.1', '6.0.0-alpha.1', '6.0.0-beta.1', '6.0.0-rc.1');
  return out.sort(semver.compare); // commit order = version order
}
function buildRepo(versions) {
  const parts = [];
  const data = (s) => { parts.push(`data ${Buffer.byteLength(s)}\n${s}\n`); };
  let mark = 0;
  const marks = new Map();
  versions.forEach((v, i) => {
    const when = BASE + i * 3600;
    mark++;
    parts.push(`commit refs/heads/main\nmark :${mark}\nauthor ${AUTHOR} ${when} +0000\ncommitter ${AUTHOR} ${when} +0000\n`);
    data(`release ${v}\n`);
    if (i > 0) parts.push(`from :${mark - 1}\n`);
    parts.push('M 100644 inline template.yaml\n');
    data(`heat_template_version: 2018-08-31\ndescription: bench template, release ${v}\nparameters:\n  image:\n    type: string\n    default: debian-12\nresources: {}\n`);
    parts.push('M 100644 inline README.md\n');
    data(`# many-versions\n\nRelease ${v}.\n`);
    parts.push('M 100644 inline heater.yaml\n');
    data(`description: a template with 1,000 versions\nversion: ${v}\n`);
    parts.push('\n');
    marks.set(v, mark);
  });
  versions.forEach((v, i) => {
    parts.push(`tag v${v}\nfrom :${marks.get(v)}\ntagger ${AUTHOR} ${BASE + i * 3600 + 60} +0000\n`);
    data(`Release ${v}\n`);
  });
  parts.push(`tag stable\nfrom :${marks.get('4.2.7')}\ntagger ${AUTHOR} ${BASE + versions.length * 3600} +0000\n`);
  data('stable channel\n');
  parts.push('done\n');

  rmSync(gitDir, { recursive: true, force: true });
  mkdirSync(dirname(gitDir), { recursive: true });
  const genv = { ...Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('GIT_'))), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C', TZ: 'UTC' };
  const empty = join(work, 'empty-template');
  mkdirSync(empty, { recursive: true });
  const run = (args, input) => {
    const r = spawnSync('git', args, { env: genv, input, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  run(['init', '-q', '--bare', '--initial-branch=main', `--template=${empty}`, gitDir]);
  run(['--git-dir', gitDir, 'fast-import', '--quiet', '--done'], parts.join(''));
  run(['--git-dir', gitDir, '-c', 'pack.threads=1', '-c', 'gc.autoDetach=false', 'gc', '--quiet']);
  const tags = run(['--git-dir', gitDir, 'tag']).trim().split('\n').length;
  return { tags, main: run(['--git-dir', gitDir, 'rev-parse', 'main']).trim() };
}

// ------------------------------------------------------------------ the server
function freePort() {
  return new Promise((res, rej) => { const s = net.createServer(); s.once('error', rej); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); }); });
}
function get(agent, url) {
  return new Promise((res, rej) => {
    const req = http.get(url, { agent }, (r) => { const c = []; r.on('data', (d) => c.push(d)); r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(c) })); r.on('error', rej); });
    req.on('error', rej);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  });
}
async function startServer(port) {
  mkdirSync(join(work, 'logs'), { recursive: true });
  const fd = openSync(join(work, 'logs', 'heater.log'), 'w');
  const senv = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('GIT_') && !k.startsWith('HEATER_')));
  Object.assign(senv, { HEATER_REPOS: join(work, 'repos'), HEATER_HOST: '127.0.0.1', HEATER_PORT: String(port), HEATER_ADMIN_TOKEN: TOKEN, HEATER_LOG_LEVEL: 'warn' });
  server = spawn(process.execPath, [join(root, 'dist', 'main.js')], { cwd: root, env: senv, stdio: ['ignore', fd, fd] });
  for (let i = 0; i < 200; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}); see ${join(work, 'logs', 'heater.log')}`);
    const r = await get(undefined, `http://127.0.0.1:${port}/healthz`).catch(() => null);
    if (r?.status === 200) return;
    await sleep(100);
  }
  throw new Error('the server did not answer /healthz within 20 s');
}
function children(pid) {
  try { return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)); } catch { return []; }
}
function memOf(pid) {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...children(tree[i]));
  const procs = [];
  for (const p of tree) {
    try {
      const s = readFileSync(`/proc/${p}/status`, 'utf8');
      procs.push({ pid: p, cmd: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 100), rssKiB: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0), hwmKiB: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) });
    } catch { /* gone */ }
  }
  return { server: procs[0], treeRssKiB: procs.reduce((a, p) => a + p.rssKiB, 0), procs };
}

// ------------------------------------------------------------------ measuring
const pct = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
async function sequential(url, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const lat = new Float64Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const r = await get(agent, url);
    lat[i] = Number(process.hrtime.bigint() - s) / 1e6;
    if (r.status !== 200) throw new Error(`GET ${url} gave ${r.status}: ${r.body}`);
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  const s = [...lat].sort((a, b) => a - b);
  return { n, p50: pct(s, 0.5), p90: pct(s, 0.9), p99: pct(s, 0.99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / n, rps: n / wall };
}
function parseWrk(out) {
  const num = (x) => { const m = /([\d.]+)(us|ms|s)/.exec(x); return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : NaN; };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  if (!(rps > 0)) throw new Error(`could not read wrk output:\n${out}`);
  return {
    rps, p50: num(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? ''), p99: num(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    errors: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0), sockErr: /Socket errors:[^\n]*/.exec(out)?.[0] ?? '',
  };
}
function wrk(url, c) {
  const r = spawnSync('wrk', ['-t', String(Math.min(c, os.cpus().length)), '-c', String(c), '-d', DURATION, '--timeout', '10s', '--latency', url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  return parseWrk(r.stdout);
}

// ------------------------------------------------------------------ main
async function main() {
  if (!existsSync(join(root, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run npm run build');
  if (spawnSync('wrk', ['-v']).error) throw new Error('wrk is missing (bench/anchors.sh installs it)');
  mkdirSync(work, { recursive: true });
  rmSync(join(work, 'repos'), { recursive: true, force: true });
  const versions = versionList();
  let t = Date.now();
  const repo = buildRepo(versions);
  log(`built ${gitDir}: ${repo.tags} tags (${versions.length} versions + label stable), main=${repo.main.slice(0, 12)}, ${Date.now() - t} ms`);

  const port = await freePort();
  await startServer(port);
  const base = `http://127.0.0.1:${port}/api/v1/templates/${TEMPLATE}/versions/`;
  const memIdle = memOf(server.pid);

  // correctness, and the cold first request (for-each-ref over 1,000 tags, then ls-tree)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const expected = (ref) => {
    const r = decodeURIComponent(ref);
    if (r === 'latest') return semver.maxSatisfying(versions.filter((v) => !semver.prerelease(v)), '*');
    if (r === 'stable') return '4.2.7';
    if (semver.valid(r)) return semver.clean(r);
    return semver.maxSatisfying(versions, r);
  };
  const cold = {};
  const resolved = {};
  for (const ref of REFS) {
    const s = process.hrtime.bigint();
    const r = await get(agent, base + ref);
    cold[ref] = Number(process.hrtime.bigint() - s) / 1e6;
    if (r.status !== 200) throw new Error(`GET ${base + ref} gave ${r.status}: ${r.body}`);
    const body = JSON.parse(r.body.toString('utf8'));
    resolved[ref] = `${body.version} (${body.resolvedBy})`;
    if (body.version !== expected(ref)) throw new Error(`${decodeURIComponent(ref)} resolved to ${body.version}, node-semver says ${expected(ref)}`);
  }
  agent.destroy();
  log(`cold first requests (ms): ${Object.entries(cold).map(([k, v]) => `${decodeURIComponent(k)} ${v.toFixed(1)}`).join(', ')}`);

  const results = {};
  for (const ref of REFS) {
    const url = base + ref;
    await sequential(url, WARM);
    log(`${decodeURIComponent(ref)}: sequential x${SEQ}`);
    const seq = await sequential(url, SEQ);
    const w = {};
    for (const c of CONC) { log(`${decodeURIComponent(ref)}: wrk c=${c} ${DURATION}`); w[c] = wrk(url, c); }
    results[ref] = { resolved: resolved[ref], cold: cold[ref], seq, wrk: w };
  }
  const memAfter = memOf(server.pid);
  stop();
  for (let i = 0; i < 100 && server.exitCode === null; i++) await sleep(50);

  // ------------------------------------------------------------------ report
  const f2 = (x) => x.toFixed(2);
  const f0 = (x) => Math.round(x).toLocaleString('en-US');
  const L = [];
  L.push(`# Heater range resolution — ${new Date().toISOString()}`, '');
  L.push(`GET /api/v1/templates/${TEMPLATE}/versions/<ref> (JSON: the resolved version and its 3 files) against a repo with ${versions.length} annotated version tags + 1 label, refs packed. Server: \`node dist/main.js\`, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Node ${process.version}, ${spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim()}.`);
  L.push(`Sequential: ${SEQ} requests one after another on one keep-alive connection (Node http client, after ${WARM} warm-up requests), each timed to the last body byte. wrk: ${DURATION} per concurrency, keep-alive, -t min(c, ${os.cpus().length}).`, '');
  L.push(`| ref | resolves to | cold 1st (ms) | seq p50 ms | seq p90 ms | seq p99 ms | seq max ms | seq req/s | ${CONC.map((c) => `wrk c=${c} req/s | c=${c} p50 ms | c=${c} p99 ms`).join(' | ')} |`);
  L.push(`|---|---|---:|---:|---:|---:|---:|---:|${CONC.map(() => '---:|---:|---:').join('|')}|`);
  for (const [ref, r] of Object.entries(results)) {
    const errs = Object.values(r.wrk).reduce((a, x) => a + x.errors, 0);
    L.push(`| \`${decodeURIComponent(ref)}\` | ${r.resolved} | ${f2(r.cold)} | ${f2(r.seq.p50)} | ${f2(r.seq.p90)} | ${f2(r.seq.p99)} | ${f2(r.seq.max)} | ${f0(r.seq.rps)} | ${CONC.map((c) => `${f0(r.wrk[c].rps)} | ${f2(r.wrk[c].p50)} | ${f2(r.wrk[c].p99)}`).join(' | ')} |${errs ? ` (${errs} non-2xx)` : ''}`);
  }
  const mib = (k) => (k / 1024).toFixed(1);
  L.push('', `Cold: the very first request (\`${decodeURIComponent(REFS[0])}\`) includes reading the 1,000 tags; the first request of each later ref includes one \`git ls-tree\` of its tree.`);
  L.push(`Server memory: idle after start VmRSS ${mib(memIdle.server.rssKiB)} MiB; after all load VmRSS ${mib(memAfter.server.rssKiB)} MiB, VmHWM (peak) ${mib(memAfter.server.hwmKiB)} MiB; process tree after load ${memAfter.procs.length} processes, VmRSS sum ${mib(memAfter.treeRssKiB)} MiB.`);
  const sockErrs = Object.entries(results).flatMap(([ref, r]) => Object.entries(r.wrk).filter(([, x]) => x.sockErr).map(([c, x]) => `${decodeURIComponent(ref)} c=${c}: ${x.sockErr}`));
  if (sockErrs.length) L.push('', `wrk socket errors: ${sockErrs.join('; ')}`);
  const md = `${L.join('\n')}\n`;
  mkdirSync(benchWork, { recursive: true });
  writeFileSync(join(benchWork, 'resolve.md'), md);
  writeFileSync(join(benchWork, 'resolve.json'), JSON.stringify({ date: new Date().toISOString(), versions: versions.length, seq: SEQ, warm: WARM, duration: DURATION, concurrency: CONC, results, memIdle, memAfter }, null, 1));
  process.stdout.write(md);
}

try {
  await main();
} catch (e) {
  log(e.stack ?? String(e));
  stop();
  process.exitCode = 1;
}
