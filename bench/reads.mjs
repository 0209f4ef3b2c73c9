#!/usr/bin/env node
// reads.mjs — Heater's reads against their references, in one run (issue 13): raw files against
// nginx serving the same file from disk, and every read kept in memory against a bare Node server
// sending the same bytes from memory (bench/read-floor.mjs).
//
//   npm run build && node bench/reads.mjs        (bench/run.sh runs it; needs git, wrk, nginx)
//
// 1. copies the `small` fixture (300 version tags; bench/make-fixtures.sh builds it) to
//    $BENCH_WORK/reads/repos/bench/small.git and starts `node dist/main.js` on it (READS_PORT,
//    default 18300), logging to $BENCH_WORK/reads/heater.log at info (an access line per request,
//    as a service would); labels v1.2.3 `stable` over REST; waits until its background work is done
//    (heater_diff_precompute_queued 0 on /metrics: the start-up fill of precomputed diffs);
// 2. starts nginx with bench/nginx.conf (its /static/ location; worker_processes auto) serving
//    the bytes of template.yaml at v1.2.3, and the floor (read-floor.mjs) with Heater's answers;
// 3. for each read below, at each concurrency (READS_CONCURRENCY, default "16 64"), READS_RUNS
//    rounds (default 2) of wrk -t2 --latency for READS_DURATION (default 3s) per target,
//    interleaved target by target within a round; reports medians of req/s, p50 and p99
//    (READS_ONLY="id,id" measures only those reads, plus file-exact);
// 4. checks Heater's bytes equal the floor's and nginx's (the raw file), reads the answer
//    cache's hit ratio from /metrics and the server's VmRSS/VmHWM.
// Writes $BENCH_WORK/reads.md and reads.json.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const env = process.env;
const benchWork = resolve(env.BENCH_WORK || '/tmp/heater-bench/run');
const fixtures = resolve(env.BENCH_FIXTURES || '/tmp/heater-bench/fixtures');
const work = join(benchWork, 'reads');
const PORT = Number(env.READS_PORT || 18300);
const P = { heater: PORT, floor: PORT + 1, nginx: PORT + 2 };
const DURATION = env.READS_DURATION || '3s';
const RUNS = Number(env.READS_RUNS || 2);
const CONC = (env.READS_CONCURRENCY || '16 64').split(/[\s,]+/).filter(Boolean).map(Number);
const TOKEN = 'heater-bench-reads-token-0123456789';
const T = '/api/v1/templates/bench/small';

const ALL_READS = [
  { id: 'file-exact', what: 'raw file at an exact version (6,228 B)', path: `${T}/versions/1.2.3/files/template.yaml`, nginx: '/static/template.yaml' },
  { id: 'file-label', what: 'the same file by label (`stable`)', path: `${T}/versions/stable/files/template.yaml` },
  { id: 'file-range', what: 'a file by range (`^2.1`)', path: `${T}/versions/%5E2.1/files/template.yaml` },
  { id: 'file-latest', what: 'a file at `latest`', path: `${T}/versions/latest/files/template.yaml` },
  { id: 'versions', what: 'the version list (300 versions)', path: `${T}/versions` },
  { id: 'resolve', what: 'resolving `^2.1` (version document)', path: `${T}/versions/%5E2.1` },
  { id: 'version', what: 'version document, exact (manifest + interface + files)', path: `${T}/versions/1.2.3` },
  { id: 'archive', what: 'archive of an exact version (tar.gz)', path: `${T}/versions/1.2.3/archive.tar.gz` },
  { id: 'changelog', what: 'changelog page (100 of 300)', path: `${T}/changelog?limit=100` },
  { id: 'listing', what: 'catalog listing page', path: '/api/v1/templates?limit=50' },
];
// READS_ONLY="file-exact,versions" measures only those reads (file-exact is always kept: the ratios use it)
const ONLY = (env.READS_ONLY || '').split(/[\s,]+/).filter(Boolean);
const READS = ONLY.length ? ALL_READS.filter((r) => r.id === 'file-exact' || ONLY.includes(r.id)) : ALL_READS;

const log = (m) => process.stderr.write(`reads: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const procs = [];
function stopAll() { for (const p of procs) if (p.exitCode === null) { try { p.kill('SIGTERM'); } catch { /* gone */ } } }
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopAll(); process.exit(130); });

async function waitHttp(url, what) {
  for (let i = 0; i < 300; i++) {
    try { const r = await fetch(url); await r.arrayBuffer(); if (r.ok) return; } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`${what} did not answer ${url}`);
}

function wrk(url, c) {
  const out = execFileSync('wrk', ['-t2', `-c${c}`, `-d${DURATION}`, '--latency', url], { encoding: 'utf8' });
  const ms = (s) => { const m = /([\d.]+)(us|ms|s)/.exec(s); if (!m) return NaN; const v = Number(m[1]); return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v; };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const socketErr = /Socket errors: (.*)/.exec(out)?.[1] ?? '';
  return { rps, p50, p99, errors: Number(errors), socketErr };
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

// ------------------------------------------------------------------ set-up
const small = join(fixtures, 'bench', 'small.git');
if (!existsSync(small)) execFileSync(join(here, 'make-fixtures.sh'), [fixtures, 'small'], { stdio: 'inherit' });
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'repos', 'bench'), { recursive: true });
cpSync(small, join(work, 'repos', 'bench', 'small.git'), { recursive: true });

log(`starting Heater on 127.0.0.1:${P.heater}`);
const gitFree = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
const heater = spawn(process.execPath, [join(root, 'dist', 'main.js')], {
  env: { ...gitFree, HEATER_REPOS: join(work, 'repos'), HEATER_HOST: '127.0.0.1', HEATER_PORT: String(P.heater), HEATER_PUBLIC_URL: `http://127.0.0.1:${P.heater}`, HEATER_ADMIN_TOKEN: TOKEN, HEATER_LOG_LEVEL: 'info' },
  stdio: ['ignore', openSync(join(work, 'heater.out'), 'w'), openSync(join(work, 'heater.log'), 'w')],
});
procs.push(heater);
await waitHttp(`http://127.0.0.1:${P.heater}/healthz`, 'Heater');
const label = await fetch(`http://127.0.0.1:${P.heater}${T}/labels/stable`, { method: 'PUT', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ ref: '1.2.3' }) });
if (label.status !== 200) throw new Error(`labelling stable: ${label.status} ${await label.text()}`);
// steady state: the start-up fill of precomputed diffs (299 pairs) runs whenever Heater is idle, which
// would be while the references are measured (taking CPU from them) and spill into Heater's own runs
for (let i = 0; ; i++) {
  const text = await (await fetch(`http://127.0.0.1:${P.heater}/metrics`)).text().catch(() => '');
  if (/^heater_diff_precompute_queued 0$/m.test(text)) break;
  if (i > 240) throw new Error('Heater\'s background work did not settle within 2 minutes');
  await sleep(500); // the fill runs only after 200 ms without a request: a closer poll would hold it off
}

// nginx: the shared harness's configuration, only its /static/ location used
const staticDir = join(work, 'static');
mkdirSync(staticDir, { recursive: true });
const fileBytes = execFileSync('git', ['--git-dir', join(work, 'repos', 'bench', 'small.git'), 'show', 'v1.2.3:template.yaml']);
writeFileSync(join(staticDir, 'template.yaml'), fileBytes);
for (const d of ['body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']) mkdirSync(join(work, 'nginx', 'tmp', d), { recursive: true });
const conf = readFileSync(join(here, 'nginx.conf'), 'utf8')
  .replaceAll('@WORK@', work).replaceAll('@PORT@', String(P.nginx)).replaceAll('@STATIC@', staticDir)
  .replaceAll('@USER@', process.getuid?.() === 0 ? 'user root;' : '').replaceAll('@FCGI_BUFFERING@', 'off')
  .replaceAll('@GIT_EXEC_PATH@', execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim())
  .replaceAll('@REPOS@', join(work, 'repos')).replaceAll('@SOCK@', join(work, 'nginx', 'unused.sock'));
writeFileSync(join(work, 'nginx', 'nginx.conf'), conf);
const ngArgs = ['-p', join(work, 'nginx'), '-e', join(work, 'nginx', 'error.log'), '-c', join(work, 'nginx', 'nginx.conf')];
const nginxBin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const t = spawnSync(nginxBin, [...ngArgs, '-t', '-q'], { encoding: 'utf8' });
if (t.status !== 0) throw new Error(`nginx rejected its configuration: ${t.stderr}`);
procs.push(spawn(nginxBin, [...ngArgs, '-g', 'daemon off;'], { stdio: 'ignore' }));
await waitHttp(`http://127.0.0.1:${P.nginx}/static/template.yaml`, 'nginx');

log('starting the floor (bench/read-floor.mjs) with Heater\'s answers');
const floor = spawn(process.execPath, [join(here, 'read-floor.mjs'), `http://127.0.0.1:${P.heater}`, String(P.floor), ...READS.map((r) => r.path)], { stdio: ['ignore', 'pipe', 'inherit'] });
procs.push(floor);
await new Promise((res, rej) => { floor.stdout.on('data', (d) => { if (/ready/.test(String(d))) res(); }); floor.on('exit', (c) => rej(new Error(`the floor exited ${c}`))); });

// the same bytes everywhere
for (const r of READS) {
  const [a, b] = await Promise.all([fetch(`http://127.0.0.1:${P.heater}${r.path}`), fetch(`http://127.0.0.1:${P.floor}${r.path}`)]);
  const [ab, bb] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
  if (a.status !== 200 || !ab.equals(bb)) throw new Error(`${r.id}: Heater and the floor answer differently`);
  if (r.nginx) {
    const n = Buffer.from(await (await fetch(`http://127.0.0.1:${P.nginx}${r.nginx}`)).arrayBuffer());
    if (!n.equals(ab)) throw new Error(`${r.id}: Heater's bytes differ from the file nginx serves`);
  }
}
// a keep-alive connection left idle past the server's timeout during a long wrk run: try again on a new one
const metricsText = async () => { try { return await (await fetch(`http://127.0.0.1:${P.heater}/metrics`)).text(); } catch { await sleep(50); return (await fetch(`http://127.0.0.1:${P.heater}/metrics`)).text(); } };
const metric = async (re) => Number(re.exec(await metricsText())?.[1] ?? NaN);
const hitsBefore = await metric(/^heater_answer_cache_lookups_total\{result="hit"\} (\d+)/m);
const missesBefore = await metric(/^heater_answer_cache_lookups_total\{result="miss"\} (\d+)/m);

// ------------------------------------------------------------------ measure
const results = {};
for (let round = 1; round <= RUNS; round++) {
  for (const c of CONC) {
    for (const r of READS) {
      const targets = [['heater', `http://127.0.0.1:${P.heater}${r.path}`], ['floor', `http://127.0.0.1:${P.floor}${r.path}`]];
      if (r.nginx) targets.push(['nginx', `http://127.0.0.1:${P.nginx}${r.nginx}`]);
      if (round % 2 === 0) targets.reverse();
      for (const [who, url] of targets) {
        log(`round ${round}/${RUNS} c=${c} ${r.id} ${who}`);
        const m = wrk(url, c);
        if (m.errors > 0 || m.socketErr) log(`  ${who} ${r.id}: ${m.errors} non-2xx, socket errors ${m.socketErr || 'none'}`);
        ((results[r.id] ??= {})[c] ??= {})[who] ??= [];
        results[r.id][c][who].push(m);
      }
    }
  }
}
const hits = (await metric(/^heater_answer_cache_lookups_total\{result="hit"\} (\d+)/m)) - hitsBefore;
const misses = (await metric(/^heater_answer_cache_lookups_total\{result="miss"\} (\d+)/m)) - missesBefore;
const status = readFileSync(`/proc/${heater.pid}/status`, 'utf8');
const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
const rss = { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
stopAll();

// ------------------------------------------------------------------ report
const agg = (list) => ({ rps: median(list.map((m) => m.rps)), p50: median(list.map((m) => m.p50)), p99: median(list.map((m) => m.p99)), errors: list.reduce((n, m) => n + m.errors, 0) });
const f0 = (n) => Math.round(n).toLocaleString('en-US');
const f2 = (n) => n.toFixed(2);
const L = [];
L.push(`# Heater reads against their references — ${new Date().toISOString()}`, '');
L.push(`Machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}. wrk -t2, ${RUNS} rounds x ${DURATION} per target and concurrency, interleaved; medians. Heater: one process, access log on (to a file), answer cache at its default size.`, '');
L.push('| read | c | Heater req/s | p50 ms | p99 ms | floor req/s | floor p99 ms | Heater ÷ floor | nginx req/s | nginx p99 ms | Heater ÷ nginx |');
L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const summary = {};
for (const r of READS) {
  for (const c of CONC) {
    const h = agg(results[r.id][c].heater);
    const fl = agg(results[r.id][c].floor);
    const n = results[r.id][c].nginx ? agg(results[r.id][c].nginx) : null;
    (summary[r.id] ??= {})[c] = { heater: h, floor: fl, ...(n ? { nginx: n } : {}) };
    L.push(`| ${r.what} | ${c} | ${f0(h.rps)} | ${f2(h.p50)} | ${f2(h.p99)} | ${f0(fl.rps)} | ${f2(fl.p99)} | ${f2(h.rps / fl.rps)} | ${n ? f0(n.rps) : ''} | ${n ? f2(n.p99) : ''} | ${n ? f2(h.rps / n.rps) : ''} |`);
  }
}
L.push('', '| labels, ranges, `latest` against the exact version (req/s ratio; target ≤ 1.5) | c | exact ÷ this |', '|---|---:|---:|');
for (const id of ['file-label', 'file-range', 'file-latest'].filter((x) => READS.some((r) => r.id === x))) {
  for (const c of CONC) L.push(`| ${READS.find((r) => r.id === id).what} | ${c} | ${f2(summary['file-exact'][c].heater.rps / summary[id][c].heater.rps)} |`);
}
L.push('', `Answer cache during the measured runs: ${f0(hits)} hits, ${f0(misses)} misses (hit ratio ${(hits / Math.max(1, hits + misses)).toFixed(4)}). Heater after the run: VmRSS ${rss.rssMiB.toFixed(1)} MiB, VmHWM ${rss.hwmMiB.toFixed(1)} MiB.`);
const report = `${L.join('\n')}\n`;
process.stdout.write(report);
writeFileSync(join(benchWork, 'reads.md'), report);
writeFileSync(join(benchWork, 'reads.json'), JSON.stringify({ when: new Date().toISOString(), duration: DURATION, runs: RUNS, concurrency: CONC, summary, raw: results, cache: { hits, misses }, rss }, null, 2));
