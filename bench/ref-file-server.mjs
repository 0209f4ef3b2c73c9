#!/usr/bin/env node
// Two naive reference servers for "a file at a version", started by anchors.mjs:
//
//   node ref-file-server.mjs spawn   PORT GIT_DIR   # spawns `git show v<ver>:<path>` per request
//   node ref-file-server.mjs catfile PORT GIT_DIR   # one long-lived `git cat-file --batch`, FIFO
//
// GET /<version>/<path>  e.g. /1.2.3/template.yaml  ->  200 with the blob, 404 otherwise.
// No caching in either: they are the baselines a real server has to beat.
// Binds 127.0.0.1 only.
// Copied from the shared harness /work/shared/bench/ref-file-server.mjs; unchanged apart from this line.
import http from 'node:http';
import { spawn } from 'node:child_process';

const [mode, portArg, gitDir] = process.argv.slice(2);
const port = Number(portArg);
if (!['spawn', 'catfile'].includes(mode) || !(port > 0) || !gitDir) {
  process.stderr.write('usage: ref-file-server.mjs spawn|catfile PORT GIT_DIR\n');
  process.exit(2);
}

const ROUTE = /^\/(\d+\.\d+\.\d+)\/((?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*)$/;
const TYPES = { yaml: 'application/yaml', yml: 'application/yaml', sh: 'text/x-shellscript', md: 'text/markdown' };

function send(res, body) {
  if (!body) { res.writeHead(404, { 'content-length': 0 }); res.end(); return; }
  const ext = /\.([a-z]+)$/.exec(res.path)?.[1] ?? '';
  res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-length': body.length });
  res.end(body);
}

// ---- spawn: one `git show` per request
function viaSpawn(spec, cb) {
  const p = spawn('git', ['--git-dir', gitDir, 'show', spec], { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks = [];
  p.stdout.on('data', (d) => chunks.push(d));
  p.on('error', () => cb(null));
  p.on('close', (code) => cb(code === 0 ? Buffer.concat(chunks) : null));
}

// ---- catfile: one `git cat-file --batch`, requests answered in order
let catfile, stopping = false, pending = [], buf = Buffer.alloc(0);
function startCatfile() {
  catfile = spawn('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
  catfile.on('exit', (code) => { if (!stopping) process.stderr.write(`cat-file exited ${code}\n`); process.exit(stopping ? 0 : 1); });
  catfile.stdout.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    for (;;) {
      const nl = buf.indexOf(10);
      if (nl < 0 || !pending.length) return;
      const header = buf.toString('latin1', 0, nl).split(' ');
      if (header.length !== 3) { buf = buf.subarray(nl + 1); pending.shift()(null); continue; } // "<spec> missing"
      const size = Number(header[2]);
      if (buf.length < nl + 2 + size) return;
      const body = buf.subarray(nl + 1, nl + 1 + size);
      buf = buf.subarray(nl + 2 + size);
      pending.shift()(header[1] === 'blob' ? body : null);
    }
  });
}
function viaCatfile(spec, cb) { pending.push(cb); catfile.stdin.write(`${spec}\n`); }

const lookup = mode === 'spawn' ? viaSpawn : viaCatfile;
if (mode === 'catfile') startCatfile();

const server = http.createServer((req, res) => {
  const m = ROUTE.exec(req.url);
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !m) { res.writeHead(404, { 'content-length': 0 }); res.end(); return; }
  res.path = m[2];
  lookup(`v${m[1]}:${m[2]}`, (body) => send(res, body));
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`${mode} listening on http://127.0.0.1:${port}\n`));
// on a signal: end cat-file's input and exit once it has (so it is reaped here, not orphaned)
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { stopping = true; if (catfile) catfile.stdin.end(); else process.exit(0); });
