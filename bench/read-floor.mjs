#!/usr/bin/env node
// read-floor.mjs — the floor for bench/reads.mjs: a bare `node:http` server that sends, from memory,
// the very bytes another server answered for a list of paths (status, headers in order, body).
// Nothing else: no routing beyond one Map lookup, no logging, no metrics, no access checks.
//
//   node bench/read-floor.mjs SOURCE_BASE PORT PATH...
//
// It GETs each PATH from SOURCE_BASE twice (the second answer is kept, so any cache the source has
// is warm), drops Date, X-Request-Id, Connection and Keep-Alive (Node adds its own), and prints
// "ready" on stdout once it listens on 127.0.0.1:PORT. An unknown path is a 404 with no body.
import http from 'node:http';

const [source, port, ...paths] = process.argv.slice(2);
if (!source || !port || paths.length === 0) {
  process.stderr.write('usage: node bench/read-floor.mjs SOURCE_BASE PORT PATH...\n');
  process.exit(2);
}
const SKIP = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'transfer-encoding']);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function fetchRaw(p) {
  return new Promise((resolve, reject) => {
    http.get(`${source}${p}`, { agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const headers = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (!SKIP.has(res.rawHeaders[i].toLowerCase())) headers.push(res.rawHeaders[i], res.rawHeaders[i + 1]);
        }
        const body = Buffer.concat(chunks);
        // a chunked answer (an archive) is sent here with its length: the bytes are the same
        if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length')) headers.push('Content-Length', String(body.length));
        resolve({ status: res.statusCode, headers, body });
      });
    }).on('error', reject);
  });
}

const answers = new Map();
for (const p of paths) {
  await fetchRaw(p);
  const a = await fetchRaw(p);
  if (a.status !== 200) { process.stderr.write(`read-floor: ${p} answered ${a.status}\n`); process.exit(1); }
  answers.set(p, a);
}
agent.destroy();

const server = http.createServer((req, res) => {
  const a = answers.get(req.url);
  if (!a) { res.writeHead(404, { 'Content-Length': '0' }); res.end(); return; }
  res.writeHead(a.status, a.headers);
  res.end(a.body);
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
