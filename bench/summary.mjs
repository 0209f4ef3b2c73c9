#!/usr/bin/env node
// summary.mjs — the table `npm run bench` ends with: issue 13's targets against what this run
// measured, read from the files the steps wrote in $BENCH_WORK (results.json from anchors.mjs,
// reads.json, clone-storm.md, diff.md, product-rss.txt). A step that did not run shows as "not run".
//   node bench/summary.mjs        (bench/run.sh runs it last; also writes $BENCH_WORK/summary.md)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const work = resolve(process.env.BENCH_WORK || '/tmp/heater-bench/run');
const json = (f) => (existsSync(join(work, f)) ? JSON.parse(readFileSync(join(work, f), 'utf8')) : null);
const text = (f) => (existsSync(join(work, f)) ? readFileSync(join(work, f), 'utf8') : null);
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const paired = (a, b) => median(a.map((x, i) => x / b[i]));
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const rows = [];
const row = (what, target, measured, ok) => rows.push(`| ${what} | ${target} | ${measured} | ${ok === null ? 'not run' : ok ? 'met' : '**missed**'} |`);

const anchors = json('results.json');
const files = anchors?.files?.raw;
for (const c of [16, 64]) {
  const p = files?.[`product@${c}`];
  const n = files?.[`nginx-static@${c}`];
  if (!p || !n) { row(`raw file, exact version, c=${c}`, '≥ 0.5x nginx static, p99 < 5 ms', 'not run', null); continue; }
  const ratio = paired(p.map((r) => r.rps), n.map((r) => r.rps));
  const p99 = median(p.map((r) => r.p99));
  row(`raw file, exact version, c=${c}`, '≥ 0.5x nginx static, p99 < 5 ms', `${f2(ratio)}x (${Math.round(median(p.map((r) => r.rps)))} vs ${Math.round(median(n.map((r) => r.rps)))} req/s), p99 ${f2(p99)} ms`, ratio >= 0.5 && p99 < 5);
}
const reads = json('reads.json');
if (reads) {
  for (const c of reads.concurrency) {
    const exact = reads.summary['file-exact'][c].heater.rps;
    const worst = Math.max(...['file-label', 'file-range', 'file-latest'].map((id) => exact / reads.summary[id][c].heater.rps));
    row(`labels, ranges, latest, c=${c}`, 'within 1.5x of the exact version', `worst ${f2(worst)}x`, worst <= 1.5);
    const json = ['versions', 'resolve', 'version', 'archive', 'changelog', 'listing'].map((id) => [id, reads.summary[id][c].heater.rps / reads.summary[id][c].floor.rps]);
    const low = json.reduce((m, x) => (x[1] < m[1] ? x : m));
    row(`reads kept in memory, c=${c}`, 'within 2x a bare Node server (≥ 0.5x its req/s)', `lowest ${f2(low[1])}x (${low[0]})`, low[1] >= 0.5);
  }
} else row('reads kept in memory', 'within 2x a bare Node server', 'not run', null);
const storm = text('clone-storm.md');
if (storm) {
  const cpu = [...storm.matchAll(/^\| (\w+) \| ([^|]+) \| (cold|warm) \|(?:[^|]*\|){5} ([\d.]+) \|$/gm)].map((m) => [`${m[1]} ${m[2].trim()} ${m[3]}`, Number(m[4])]);
  for (const [what, r] of cpu) row(`clone storm of 16: ${what}`, 'CPU per clone ≤ 0.25x http-backend', `${f2(r)}x`, r <= 0.25);
} else row('clone storm of 16', 'CPU per clone ≤ 0.25x http-backend', 'not run', null);
const push = anchors?.push?.times;
if (push?.product && push.http) row('push, 1 commit + 1 tag, validated', '≤ 1.10x http-backend', `${f2(paired(push.product, push.http))}x (${f2(median(push.product))} vs ${f2(median(push.http))} ms)`, paired(push.product, push.http) <= 1.1);
else row('push', '≤ 1.10x http-backend', 'not run', null);
const diff = text('diff.md');
// the precomputed rows: | name | ours ms | spawn ms | ours ÷ spawn | spawn ÷ ours |
const pre = diff ? [...diff.matchAll(/^\| ([^|]*first request[^|]*) \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|/gm)].map((m) => [m[1].replace(/, first request, precomputed/, ''), Number(m[2])]) : [];
if (pre.length) for (const [what, r] of pre) row(`diff, first request on a fresh server: ${what}`, 'p50 ≤ 0.5x spawning git diff', `${f2(r)}x`, r <= 0.5);
else row('diff, first request on a fresh server', 'p50 ≤ 0.5x spawning git diff', 'not run', null);
const rss = text('product-rss.txt');
const anchorRss = rss ? Number(/^pid \d+ VmRSS (\d+) kB/m.exec(rss)?.[1]) / 1024 : NaN;
if (rss) row('memory after the anchors run', 'VmRSS < 150 MB', `${anchorRss.toFixed(1)} MiB`, anchorRss < 150);
if (reads?.rss) row('memory after the reads run', 'VmRSS < 150 MB', `${reads.rss.rssMiB.toFixed(1)} MiB (peak ${reads.rss.hwmMiB.toFixed(1)})`, reads.rss.rssMiB < 150);

const out = `# Issue 13's targets, this run (${new Date().toISOString()})\n\n| measure | target | this run | verdict |\n|---|---|---|---|\n${rows.join('\n')}\n`;
process.stdout.write(`\n${out}`);
writeFileSync(join(work, 'summary.md'), out);
