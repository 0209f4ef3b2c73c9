#!/usr/bin/env node
// structural.mjs — how long the structural YAML diff of two 6 KB templates takes, warm, in-process
// (the corpus pair web-stack-upgrade; the diff API and the upgrade summary run it per file).
//   node bench/structural.mjs          (after npm run build; bench/run.sh runs it)
// Prints a Markdown table: bytes, changes found, median and p99 of RUNS warm runs after WARM.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { structuralDiff } = require(join(here, '..', 'dist', 'diff', 'structural.js'));
const { loadHeatYaml } = require(join(here, '..', 'dist', 'heat', 'yaml.js'));
const RUNS = Number(process.env.STRUCTURAL_RUNS || 500);
const WARM = Number(process.env.STRUCTURAL_WARM || 50);

const pair = join(here, '..', 'test', 'diff', 'heat-pairs', 'web-stack-upgrade');
const text = (f) => readFileSync(join(pair, f), 'utf8');
const value = (t) => { const r = loadHeatYaml(t); if (!r.ok) throw new Error(r.error); return r.value; };
const [before, after] = [text('before.yaml'), text('after.yaml')];
const [a, b] = [value(before), value(after)];

const changes = structuralDiff(a, b).changes.length;
for (let i = 0; i < WARM; i++) structuralDiff(a, b);
const times = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  structuralDiff(a, b);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((x, y) => x - y);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(3);
console.log('| pair | bytes (before / after) | changes | median ms | p99 ms |');
console.log('|---|---|---|---|---|');
console.log(`| web-stack-upgrade | ${before.length} / ${after.length} | ${changes} | ${q(0.5)} | ${q(0.99)} |`);
