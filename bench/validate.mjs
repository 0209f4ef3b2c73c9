#!/usr/bin/env node
// validate.mjs — how long validating a template version takes, warm, in-process (the code a push and a
// REST publish run): the largest case of the test corpus and the `small` fixture's tree at v1.2.3.
//   node bench/validate.mjs            (after npm run build; bench/run.sh runs it)
// Prints a Markdown table: YAML bytes, problems found, median and p99 of RUNS warm runs after WARM.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { validateTree } = require(join(here, '..', 'dist', 'registry', 'validate', 'validate-tree.js'));
const RUNS = Number(process.env.VALIDATE_RUNS || 200);
const WARM = Number(process.env.VALIDATE_WARM || 50);

function files(dir, prefix = '') {
  const out = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, files(dir, p)); else if (e.name !== 'EXPECT') out[p] = readFileSync(join(dir, p), 'utf8');
  }
  return out;
}
const input = (f) => ({ paths: new Set(Object.keys(f)), texts: new Map(Object.entries(f).filter(([p]) => /\.ya?ml$/i.test(p))) });
const size = (f) => Object.values(f).reduce((n, s) => n + s.length, 0);

const cases = [];
const corpus = join(here, '..', 'test', 'registry', 'hot-corpus');
const largest = readdirSync(corpus, { withFileTypes: true }).filter((d) => d.isDirectory())
  .map((d) => ({ name: `corpus: ${d.name}`, f: files(join(corpus, d.name)) }))
  .sort((a, b) => size(b.f) - size(a.f))[0];
cases.push(largest);
const small = join(process.env.BENCH_FIXTURES || '/tmp/heater-bench/fixtures', 'bench', 'small.git');
if (existsSync(small)) {
  const f = {};
  for (const p of execFileSync('git', ['--git-dir', small, 'ls-tree', '-r', '--name-only', 'v1.2.3']).toString().trim().split('\n')) {
    f[p] = execFileSync('git', ['--git-dir', small, 'show', `v1.2.3:${p}`]).toString('utf8');
  }
  cases.push({ name: 'fixture small.git at v1.2.3', f });
}

console.log('| tree | YAML bytes | problems | median ms | p99 ms |');
console.log('|---|---:|---:|---:|---:|');
for (const c of cases) {
  const inp = input(c.f);
  let problems = 0;
  for (let i = 0; i < WARM; i++) problems = validateTree(inp).problems.length;
  const t = [];
  for (let i = 0; i < RUNS; i++) { const s = process.hrtime.bigint(); validateTree(inp); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
  t.sort((a, b) => a - b);
  const bytes = [...inp.texts.values()].reduce((n, s) => n + Buffer.byteLength(s), 0);
  console.log(`| ${c.name} | ${bytes} | ${problems} | ${t[Math.floor(t.length / 2)].toFixed(3)} | ${t[Math.floor(t.length * 0.99)].toFixed(3)} |`);
}
