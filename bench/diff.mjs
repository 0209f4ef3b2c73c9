#!/usr/bin/env node
// diff.mjs — the diff API against spawning `git diff` for the same pair, on the `small` fixture.
//   node bench/diff.mjs        (after npm run build; bench/run.sh runs it)
// Starts its own server over a copy of small.git. Measures, over PAIRS version pairs:
//   spawn: `git diff --no-color A B` as a whole process (what a naive server does per request);
//   cold:  GET /diff?format=patch for a pair never asked before (the server spawns git diff once);
//   warm:  the same GET again (answered from the cache keyed by the two tree ids).
// Each figure is the median of PAIRS samples in ms; ratios are spawn ÷ ours.
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
const port = 18200 + Math.floor(Math.random() * 500);
const server = spawn(process.execPath, [join(here, '..', 'dist', 'main.js')], {
  env: { ...process.env, HEATER_REPOS: join(work, 'repos'), HEATER_PORT: String(port), HEATER_ADMIN_TOKEN: 'diff-bench-token-0123456789', HEATER_LOG_LEVEL: 'error' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise((resolve) => server.stdout.on('data', (d) => { if (/serving/.test(String(d))) resolve(); }));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (path) => new Promise((resolve, reject) => {
  const t = process.hrtime.bigint();
  http.get({ host: '127.0.0.1', port, path, agent }, (res) => { const c = []; res.on('data', (d) => c.push(d)); res.on('end', () => resolve({ ms: Number(process.hrtime.bigint() - t) / 1e6, status: res.statusCode, body: Buffer.concat(c) })); }).on('error', reject);
});
const spawnDiff = (a, b) => new Promise((resolve) => {
  const t = process.hrtime.bigint();
  const p = spawn('git', ['--git-dir', small, 'diff', '--no-color', a, b], { stdio: ['ignore', 'pipe', 'ignore'] });
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
server.kill('SIGTERM');
rmSync(work, { recursive: true, force: true });
const f = (x) => x.toFixed(2);
console.log(`| measure (${PAIRS} pairs of small.git versions 7 apart; every patch byte-equal to git's) | median ms | spawn ÷ this |`);
console.log('|---|---:|---:|');
console.log(`| spawn \`git diff --no-color A B\` (whole process) | ${f(median(spawnMs))} | 1.00 |`);
console.log(`| GET /diff?format=patch, cold (first time for the pair) | ${f(median(coldMs))} | ${f(median(spawnMs) / median(coldMs))} |`);
console.log(`| GET /diff?format=patch, warm (cached by tree pair) | ${f(median(warmMs))} | ${f(median(spawnMs) / median(warmMs))} |`);
console.log(`| GET /diff (JSON with heat summary), warm | ${f(median(jsonWarmMs))} | ${f(median(spawnMs) / median(jsonWarmMs))} |`);
