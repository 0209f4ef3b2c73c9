#!/usr/bin/env node
// diff.mjs — the diff API against spawning `git diff` for the same pair, on the `small` fixture.
//   node bench/diff.mjs        (after npm run build; bench/run.sh runs it)
// Starts its own servers over a copy of small.git. Measures, over PAIRS version pairs:
//   spawn: `git diff --no-color A B` as a whole process (what a naive server does per request);
//   cold:  GET /diff?format=patch for a pair never asked before (the server spawns git diff once);
//   warm:  the same GET again (answered from the cache keyed by the two tree ids).
// (that server runs with HEATER_DIFF_STORE_MB=0: nothing precomputed, as before issue 13.)
// Then "precomputed" (issue 13): a server with the store on fills the diffs of the 299 consecutive
// pairs of the copied repository's 300 tags in the background after ready; once its queue is empty
// it is stopped, and fresh processes time the FIRST request of PAIRS consecutive pairs, one process
// for format=patch and one for format=json, each against spawning `git diff --no-color -M -U3 A B`
// for the same pair in the same loop. Every patch is checked byte-equal to git's, every JSON answer
// byte-equal to the store-less server's, and every first request a hit of the store (/metrics).
// Each figure is the median of PAIRS samples in ms; ratios are spawn ÷ ours (and ours ÷ spawn for the precomputed rows).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import http from 'node:http';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.BENCH_FIXTURES || '/tmp/heater-bench/fixtures';
const PAIRS = Number(process.env.DIFF_PAIRS || 60);
const small = join(fixtures, 'bench', 'small.git');
const work = mkdtempSync(join(tmpdir(), 'heater-diff-bench-'));
cpSync(small, join(work, 'repos', 'bench', 'small.git'), { recursive: true });

/** A fresh `node dist/main.js` over the copy, with `env` on top; resolves once it serves. */
async function startHeater(env = {}) {
  const port = 18200 + Math.floor(Math.random() * 500);
  const proc = spawn(process.execPath, [join(here, '..', 'dist', 'main.js')], {
    env: { ...process.env, HEATER_REPOS: join(work, 'repos'), HEATER_PORT: String(port), HEATER_ADMIN_TOKEN: 'diff-bench-token-0123456789', HEATER_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => proc.stdout.on('data', (d) => { if (/serving/.test(String(d))) resolve(); }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path) => new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => { const c = []; res.on('data', (d) => c.push(d)); res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, status: res.statusCode, body: Buffer.concat(c) })); }).on('error', reject);
  });
  /** One series of /metrics, 0 when absent. */
  const metric = async (series) => {
    const text = String((await get('/metrics')).body);
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const stop = () => new Promise((resolve) => { proc.once('exit', resolve); agent.destroy(); proc.kill('SIGTERM'); });
  return { get, metric, stop };
}
const server = await startHeater({ HEATER_DIFF_STORE_MB: '0' });
const { get } = server;
const spawnDiff = (a, b, extra = []) => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  const p = spawn('git', ['--git-dir', small, 'diff', '--no-color', ...extra, a, b], { stdio: ['ignore', 'pipe', 'ignore'] });
  const c = []; p.stdout.on('data', (d) => c.push(d));
  p.on('close', () => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, body: Buffer.concat(c) }));
});
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

const tags = execFileSync('git', ['--git-dir', small, 'tag', '--sort=v:refname']).toString().trim().split('\n');
const pairs = [];
for (let i = 0; i < PAIRS; i++) pairs.push([tags[(i * 4) % (tags.length - 10)], tags[(i * 4) % (tags.length - 10) + 7]]);
// warm-up on other pairs: JIT, cat-file reader, refs
for (let i = 0; i < 10; i++) { await get(`/api/v1/templates/bench/small/diff?from=${tags[tags.length - 1 - i]}&to=${tags[tags.length - 2 - i]}&format=patch`); await spawnDiff(tags[i], tags[i + 1]); }
const spawnMs = [], coldMs = [], warmMs = [], jsonWarmMs = [];
for (const [a, b] of pairs) {
  const s = await spawnDiff(a, b);
  const q = `/api/v1/templates/bench/small/diff?from=${a}&to=${b}&format=patch`;
  const cold = await get(q);
  const warm = await get(q);
  if (cold.status !== 200 || !cold.body.equals(s.body) || !warm.body.equals(s.body)) throw new Error(`diff ${a}..${b} differs from git's`);
  await get(`/api/v1/templates/bench/small/diff?from=${a}&to=${b}`);
  const jw = await get(`/api/v1/templates/bench/small/diff?from=${a}&to=${b}`);
  spawnMs.push(s.ms); coldMs.push(cold.ms); warmMs.push(warm.ms); jsonWarmMs.push(jw.ms);
}

// precomputed: the consecutive pairs, PAIRS of them spread over the 299, the first ones left for warming up
const consecutive = tags.slice(1).map((b, i) => [tags[i], b]);
const step = Math.max(1, Math.floor((consecutive.length - 10) / PAIRS));
const measured = Array.from({ length: Math.min(PAIRS, consecutive.length - 10) }, (_, i) => consecutive[10 + i * step]);
const plainJson = new Map();
for (const [a, b] of measured) plainJson.set(`${a}..${b}`, (await get(`/api/v1/templates/bench/small/diff?from=${a}&to=${b}`)).body);
await server.stop();

const filler = await startHeater();
const t0 = Date.now();
// polled once a second: the fill steps only while the server has answered nothing for 200 ms
while ((await filler.metric('heater_diff_precompute_queued')) > 0) await new Promise((r) => setTimeout(r, 1000));
const fillMs = Date.now() - t0;
const filled = await filler.metric('heater_diff_precomputed_total{result="ok"}');
await filler.stop();

/** A fresh process; the first request of each measured pair in `format`, beside the spawn of the same pair. */
async function firstRequests(format) {
  const s = await startHeater();
  // warm-up on pairs not measured: JIT, the refs, the cat-file reader
  for (const [a, b] of consecutive.slice(0, 10)) { await s.get(`/api/v1/templates/bench/small/diff?from=${a}&to=${b}&format=${format}`); await spawnDiff(a, b, ['-M', '-U3']); }
  const hits0 = await s.metric('heater_diff_store_lookups_total{result="hit"}');
  const ours = [], spawned = [];
  for (const [a, b] of measured) {
    const g = await spawnDiff(a, b, ['-M', '-U3']);
    const r = await s.get(`/api/v1/templates/bench/small/diff?from=${a}&to=${b}&format=${format}`);
    if (r.status !== 200) throw new Error(`diff ${a}..${b}: ${r.status}`);
    if (format === 'patch' && !r.body.equals(g.body)) throw new Error(`precomputed diff ${a}..${b} differs from git's`);
    if (format === 'json' && !r.body.equals(plainJson.get(`${a}..${b}`))) throw new Error(`precomputed JSON ${a}..${b} differs from the store-less server's`);
    ours.push(r.ms); spawned.push(g.ms);
  }
  const hits = (await s.metric('heater_diff_store_lookups_total{result="hit"}')) - hits0;
  if (hits !== measured.length) throw new Error(`${format}: ${hits} of ${measured.length} first requests were store hits`);
  await s.stop();
  return { ours: median(ours), spawn: median(spawned) };
}
const pre = { patch: await firstRequests('patch'), json: await firstRequests('json') };
rmSync(work, { recursive: true, force: true });
const f = (x) => x.toFixed(2);
console.log(`| measure (${PAIRS} pairs of small.git versions 7 apart; every patch byte-equal to git's) | median ms | spawn ÷ this |`);
console.log('|---|---:|---:|');
console.log(`| spawn \`git diff --no-color A B\` (whole process) | ${f(median(spawnMs))} | 1.00 |`);
console.log(`| GET /diff?format=patch, cold (first time for the pair) | ${f(median(coldMs))} | ${f(median(spawnMs) / median(coldMs))} |`);
console.log(`| GET /diff?format=patch, warm (cached by tree pair) | ${f(median(warmMs))} | ${f(median(spawnMs) / median(warmMs))} |`);
console.log(`| GET /diff (JSON with heat summary), warm | ${f(median(jsonWarmMs))} | ${f(median(spawnMs) / median(jsonWarmMs))} |`);
console.log('');
console.log(`Precomputed: ${filled} consecutive pairs filled in the background after ready in ${(fillMs / 1000).toFixed(1)} s; then, on a freshly started server (one process per format), the first request of ${measured.length} consecutive pairs, each beside \`git diff --no-color -M -U3 A B\` for the same pair; every first request a store hit, patches byte-equal to git's, JSON byte-equal to the store-less server's.`);
console.log('');
console.log('| measure | median ms | spawn median ms (same loop) | this ÷ spawn | spawn ÷ this |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, r] of [['GET /diff?format=patch, first request, precomputed', pre.patch], ['GET /diff (JSON with heat summary), first request, precomputed', pre.json]]) {
  console.log(`| ${name} | ${f(r.ours)} | ${f(r.spawn)} | ${f(r.ours / r.spawn)} | ${f(r.spawn / r.ours)} |`);
}
