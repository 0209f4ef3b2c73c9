// catalog.mjs — the catalog at scale (issue 10, "Scale and speed"), measured in one run:
//   1. the many:N fixtures (built with make-fixtures.sh when missing), copied to $BENCH_WORK/catalog/repos;
//   2. `heater reindex` (full rebuild), timed;
//   3. start-up with that index until /healthz answers, timed;
//   4. 100 repositories changed with git behind Heater's back (a new tag each), then start-up with the heal, timed;
//   5. four queries at CATALOG_CONCURRENCY clients (in-process keep-alive client), against Heater and
//      against bench/catalog-floor.mjs (bare node:http, same SQLite file, same SQL), interleaved:
//      search (q=), filtered listing (keyword + namespace), facets, and page 50 of a cursor walk;
//   6. every page of the full listing walked cold (fresh server), zero errors expected;
//   7. a push over HTTP, then at once a search that must find the new version;
//   8. Heater's VmRSS/VmHWM after the run.
// Prints a table and writes $BENCH_WORK/catalog.md and catalog.json.
//
// Settings: CATALOG_TEMPLATES=10000, CATALOG_CONCURRENCY=16, CATALOG_REQUESTS=3000 (per query and
// server, after CATALOG_WARM=300), CATALOG_PORT=18096, CATALOG_FLOOR_PORT=18097, CATALOG_REUSE=1 keeps
// an existing copy of the repos (its index is rebuilt anyway).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const env = process.env;
const N = Number(env.CATALOG_TEMPLATES ?? 10000);
const C = Number(env.CATALOG_CONCURRENCY ?? 16);
const REQUESTS = Number(env.CATALOG_REQUESTS ?? 3000);
const WARM = Number(env.CATALOG_WARM ?? 300);
const PORT = Number(env.CATALOG_PORT ?? 18096);
const FLOOR_PORT = Number(env.CATALOG_FLOOR_PORT ?? 18097);
const FIXTURES = env.BENCH_FIXTURES ?? '/tmp/heater-bench/fixtures';
const WORK = path.join(env.BENCH_WORK ?? '/tmp/heater-bench/run', 'catalog');
const REPOS = path.join(WORK, 'repos');
const TOKEN = 'heater-bench-admin-token-0123456789';
const log = (s) => process.stderr.write(`catalog: ${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RUN = Math.floor(Date.now() / 1000) % 1000000; // new versions are unique per run, so CATALOG_REUSE=1 works

// 1. fixtures
const fixture = path.join(FIXTURES, `many-${N}`);
if (!existsSync(fixture)) { log(`building ${fixture}`); execFileSync('bash', [path.join(here, 'make-fixtures.sh'), FIXTURES, `many:${N}`], { stdio: 'inherit' }); }
if (!(env.CATALOG_REUSE === '1' && existsSync(REPOS))) {
  log(`copying ${fixture} to ${REPOS}`);
  rmSync(REPOS, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  execFileSync('cp', ['-r', fixture, REPOS]);
}
rmSync(path.join(REPOS, '.heater'), { recursive: true, force: true });
const catalogFile = path.join(REPOS, '.heater', 'catalog.sqlite');
const heaterEnv = { ...env, HEATER_REPOS: REPOS, HEATER_PORT: String(PORT), HEATER_ADMIN_TOKEN: TOKEN, HEATER_LOG_LEVEL: 'info', HEATER_PUBLIC_URL: `http://127.0.0.1:${PORT}` };

// 2. reindex
let t0 = performance.now();
const ri = spawnSync(process.execPath, [path.join(root, 'dist/main.js'), 'reindex'], { env: heaterEnv, encoding: 'utf8' });
const reindexMs = performance.now() - t0;
if (ri.status !== 0) throw new Error(`reindex failed: ${ri.stderr}`);
log(`reindex ${(reindexMs / 1000).toFixed(1)} s: ${ri.stdout.trim()}`);

function get(port, p, agent) {
  return new Promise((resolve) => {
    const t = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t }));
      res.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - t }));
    });
    req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), ms: performance.now() - t }));
  });
}

// The servers' output goes to a file, as a service's log does (journald, a file): read back for the heal
// line. A pipe read by this process would make the load generator pay for every access line.
let logs = 0;
async function startServer(args, port, wantLog) {
  const t = performance.now();
  const logFile = path.join(WORK, `server-${++logs}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { env: heaterEnv, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const out = () => readFileSync(logFile, 'utf8');
  const agent = new http.Agent({ keepAlive: false });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out()}`);
    const r = await get(port, '/healthz', agent);
    if (r.status === 200) break;
    await sleep(5);
  }
  const ms = performance.now() - t;
  if (wantLog) await sleep(50);
  return { child, ms, log: out };
}
async function stop(s) {
  if (s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
}

// 3. start-up with an index ready
const heaterArgs = [path.join(root, 'dist/main.js')];
let s = await startServer(heaterArgs, PORT);
const startupMs = s.ms;
log(`start-up with an index: ${startupMs.toFixed(0)} ms`);
await stop(s);

// 4. 100 repositories changed with git behind its back
const all = [];
for (const ns of readdirSync(REPOS).filter((n) => !n.startsWith('.')).sort()) for (const r of readdirSync(path.join(REPOS, ns)).sort()) all.push(path.join(REPOS, ns, r));
const changed = all.filter((_, i) => i % Math.floor(all.length / 100) === 0).slice(0, 100);
for (const g of changed) execFileSync('git', ['--git-dir', g, 'tag', '-a', '-m', `Version 50.${RUN}.0`, `v50.${RUN}.0`, 'main']);
await sleep(30); // older than the stamp's freshness window
s = await startServer(heaterArgs, PORT, true);
const healMs = s.ms;
const healLine = /catalog: .*changed.*\(\d+ ms\)/.exec(s.log())?.[0] ?? '(no heal line)';
log(`start-up with a heal of ${changed.length} changed: ${healMs.toFixed(0)} ms — ${healLine}`);

// 5. queries against Heater and the floor
const floor = await startServer([path.join(here, 'catalog-floor.mjs'), catalogFile, String(FLOOR_PORT)], FLOOR_PORT);
const agentH = new http.Agent({ keepAlive: true, maxSockets: C });
const agentF = new http.Agent({ keepAlive: true, maxSockets: C });
async function cursorAt(port, agent, q, page) {
  let cursor = null;
  for (let i = 1; i < page; i++) {
    const r = await get(port, `/api/v1/templates?${q}${cursor ? `&cursor=${cursor}` : ''}`, agent);
    cursor = JSON.parse(r.body.toString()).nextCursor;
    if (!cursor) throw new Error(`no page ${i + 1} for ${q}`);
  }
  return `${q}&cursor=${cursor}`;
}
const DEEP = 'sort=updated&order=desc&limit=100';
const queries = [
  ['search', 'q=nginx'],
  ['filtered listing', 'keyword=nginx&namespace=web'],
  ['facets', 'q=nginx&facets=keywords,namespaces,resource_types,licenses&limit=1'],
  ['deep page (50)', await cursorAt(PORT, agentH, DEEP, 50)],
];
async function load(port, agent, q, n) {
  const lat = [];
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (next++ < n) {
      const r = await get(port, `/api/v1/templates?${q}`, agent);
      if (r.status !== 200) errors++;
      lat.push(r.ms);
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: C }, worker));
  const secs = (performance.now() - t) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  return { p50: pct(0.5), p99: pct(0.99), rps: n / secs, errors };
}
const rows = [];
for (const [name, q] of queries) {
  const hb = (await get(PORT, `/api/v1/templates?${q}`, agentH)).body.toString();
  const fb = (await get(FLOOR_PORT, `/api/v1/templates?${q}`, agentF)).body.toString();
  const same = hb === fb;
  await load(PORT, agentH, q, WARM); await load(FLOOR_PORT, agentF, q, WARM);
  // interleaved halves, so drift hits both
  const h1 = await load(PORT, agentH, q, REQUESTS / 2); const f1 = await load(FLOOR_PORT, agentF, q, REQUESTS / 2);
  const f2 = await load(FLOOR_PORT, agentF, q, REQUESTS / 2); const h2 = await load(PORT, agentH, q, REQUESTS / 2);
  const avg = (a, b) => ({ p50: (a.p50 + b.p50) / 2, p99: (a.p99 + b.p99) / 2, rps: (a.rps + b.rps) / 2, errors: a.errors + b.errors });
  const h = avg(h1, h2); const f = avg(f1, f2);
  rows.push({ name, q, same, total: JSON.parse(hb).total, heater: h, floor: f, r50: h.p50 / f.p50, r99: h.p99 / f.p99 });
  log(`${name}: heater p50 ${h.p50.toFixed(2)} p99 ${h.p99.toFixed(2)} ms; floor p50 ${f.p50.toFixed(2)} p99 ${f.p99.toFixed(2)} ms; same body ${same}`);
}
agentH.destroy(); agentF.destroy();
await stop(floor);
await stop(s);

// 6. the full listing walked cold
s = await startServer(heaterArgs, PORT);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let walkErrors = 0; let walked = 0; let pages = 0; let cursor = null;
t0 = performance.now();
const seen = new Set();
for (;;) {
  const r = await get(PORT, `/api/v1/templates?limit=100${cursor ? `&cursor=${cursor}` : ''}`, agent);
  pages++;
  if (r.status !== 200) { walkErrors++; break; }
  const body = JSON.parse(r.body.toString());
  for (const it of body.items) { if (seen.has(it.id)) walkErrors++; seen.add(it.id); walked++; }
  cursor = body.nextCursor;
  if (!cursor) break;
}
const walkMs = performance.now() - t0;
if (walked !== all.length) walkErrors++;
log(`full listing: ${pages} pages, ${walked} templates of ${all.length}, ${walkErrors} errors, ${walkMs.toFixed(0)} ms`);

// 7. a push, then at once a search
const target = changed[1];
const rel = path.relative(REPOS, target).replace(/\.git$/, '');
const wd = mkdtempSync(path.join(os.tmpdir(), 'heater-catalog-push-'));
const g = (...a) => execFileSync('git', a, { cwd: wd, encoding: 'utf8', env: { ...env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' } });
g('clone', '-q', `http://admin:${TOKEN}@127.0.0.1:${PORT}/${rel}.git`, '.');
const word = `zqxbench${Date.now().toString(36)}`;
const man = readFileSync(path.join(wd, 'heater.yaml'), 'utf8').replace(/^keywords: \[/m, `keywords: [${word}, `);
writeFileSync(path.join(wd, 'heater.yaml'), man);
g('commit', '-qam', 'bench push');
g('tag', '-a', '-m', `Version 60.${RUN}.0`, `v60.${RUN}.0`);
t0 = performance.now();
g('push', '-q', 'origin', 'main', `v60.${RUN}.0`);
const pushMs = performance.now() - t0;
const found = JSON.parse((await get(PORT, `/api/v1/templates?q=${word}`, agent)).body.toString());
const pushFound = found.items.length === 1 && found.items[0].latestVersion === `60.${RUN}.0`;
log(`push then search: found ${pushFound} (push ${pushMs.toFixed(0)} ms)`);
rmSync(wd, { recursive: true, force: true });

// 8. RSS
const status = readFileSync(`/proc/${s.child.pid}/status`, 'utf8');
const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
const rssMb = kb('VmRSS') / 1024; const hwmMb = kb('VmHWM') / 1024;
agent.destroy();
await stop(s);

const f2 = (x) => x.toFixed(2);
const lines = [
  `## Catalog at scale (${N} templates, c=${C}, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 16)}Z)`, '',
  '| step | figure | target |', '|---|---|---|',
  `| \`heater reindex\` (full) | ${(reindexMs / 1000).toFixed(1)} s | < 60 s |`,
  `| start-up with the index ready (to /healthz) | ${(startupMs / 1000).toFixed(2)} s | < 2 s |`,
  `| start-up healing ${changed.length} repos changed with git | ${(healMs / 1000).toFixed(2)} s | < 5 s |`,
  `| full listing walked cold (limit=100) | ${pages} pages, ${walked} templates, ${walkErrors} errors, ${(walkMs / 1000).toFixed(1)} s | 0 errors |`,
  `| push, then at once a search | ${pushFound ? 'found' : 'NOT found'} | found |`,
  `| Heater RSS after the run | ${rssMb.toFixed(0)} MB (peak ${hwmMb.toFixed(0)} MB) | < 200 MB |`, '',
  `| query (c=${C}) | matches | Heater p50 / p99 ms | floor p50 / p99 ms | p50 ratio (≤ 1.5) | p99 ratio (≤ 2) | Heater req/s | same body |`,
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} \`${r.q.length > 60 ? `${r.q.slice(0, 60)}…` : r.q}\` | ${r.total} | ${f2(r.heater.p50)} / ${f2(r.heater.p99)} | ${f2(r.floor.p50)} / ${f2(r.floor.p99)} | ${f2(r.r50)} | ${f2(r.r99)} | ${r.heater.rps.toFixed(0)} | ${r.same ? 'yes' : 'no'} |`),
  '', `Heal: ${healLine}`, '',
];
const report = lines.join('\n');
process.stdout.write(`${report}\n`);
mkdirSync(path.dirname(WORK), { recursive: true });
writeFileSync(path.join(path.dirname(WORK), 'catalog.md'), report);
writeFileSync(path.join(path.dirname(WORK), 'catalog.json'), JSON.stringify({ N, C, reindexMs, startupMs, healMs, healLine, pages, walked, walkErrors, walkMs, pushFound, rssMb, hwmMb, rows }, null, 2));
