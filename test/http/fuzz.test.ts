// Fuzz (fast-check, fixed seed): generated names, refs, ranges, paths, headers, queries and bodies against every route.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';
import { OpenApiContract, type DocOperation } from '../helpers/schema';

const contract = OpenApiContract.load(path.join(__dirname, '..', '..', 'docs', 'openapi.yaml'));
const PROBLEM = { $ref: '#/components/schemas/Problem' };
const SEED = 20261201;
// 10,000 requests in all: 6,000 anonymous (read-only by construction: every write needs a token) and 4,000 with the admin token
const ANONYMOUS_RUNS = 6000;
const AUTHENTICATED_RUNS = 4000;
const GIT_ROUTE = /^\/([^/]+)\/([^/]+)\.git(\/.*)?$/; // the git router's own test (src/http/routes/git.ts)

interface Req { readonly method: string; readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body?: Buffer }
interface Res { readonly status: number; readonly type: string; readonly body: Buffer }

/** Sends the request with its path exactly as generated; the answer in full. */
function send(base: URL, r: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers, Connection: 'keep-alive' };
    if (r.body) headers['Content-Length'] = String(r.body.length);
    const req = http.request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

// ---- generators ------------------------------------------------------------------------------

const URL_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789-._~!$&\'()*+,;=:@ABCXYZ'];
const plainSeg = fc.string({ unit: fc.constantFrom(...URL_CHARS), minLength: 0, maxLength: 24 });
/** Any string, percent-encoded as a client would (so unicode, slashes and NUL reach the server encoded). */
const encodedSeg = fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s));
const tricky = fc.constantFrom('..', '.', '%2e%2e', '%2E%2e%2f', '%2f', '%00', '%', '%zz', '%C0%AE', '.git', '.heater', 'acme', 'web', 'web.git',
  'a'.repeat(300), '-x', '_', '..%2f..%2fetc', '%2e%2e%5c', 'con', 'A', 'ACME', '0', '~', '*', 'latest', 'stable');
const segment = fc.oneof({ weight: 3, arbitrary: tricky }, { weight: 3, arbitrary: plainSeg }, { weight: 2, arbitrary: encodedSeg });
const ref = fc.oneof(
  fc.constantFrom('1.0.0', 'v1.0.0', '1.1.0', 'v1.1.0', 'latest', 'stable', '2.0.0', '0.0.0-rc.1', 'V1.0.0', '01.0.0'),
  fc.constantFrom('^1', '~1.0', '1.x', '*', '>=1.0.0 <2.0.0', '<0.0.0', '||', '>=', '^', '1.0.0 - 2.0.0', '^1 || ^2').map(encodeURIComponent),
  fc.stringMatching(/^[0-9a-f]{4,40}$/),
  fc.tuple(fc.nat(99), fc.nat(99), fc.nat(99), fc.option(plainSeg, { nil: undefined })).map(([a, b, c, p]) => `${a}.${b}.${c}${p ? `-${p}` : ''}`),
  segment,
);
const restPath = fc.array(fc.oneof(segment, fc.constantFrom('template.yaml', 'scripts', 'install.sh', 'README.md')), { minLength: 1, maxLength: 5 }).map((a) => a.join('/'));
const queryValue = fc.oneof(plainSeg, encodedSeg, fc.constantFrom('true', 'false', '1', '-1', '0', '99999999999999999999', 'name', 'desc', 'keywords', 'web', 'v1.0.0', '^1'));
const queryName = fc.oneof(plainSeg, fc.constantFrom('q', 'keyword', 'meta.team', 'namespace', 'resource_type', 'parameter', 'deprecated', 'sort', 'order',
  'fields', 'facets', 'cursor', 'limit', 'from', 'to', 'structural', 'format', 'service', 'since', 'until', 'action', 'template', 'actor', 'ref', 'path'));
const query = fc.array(fc.tuple(queryName, queryValue), { maxLength: 5 }).map((kv) => (kv.length === 0 ? '' : `?${kv.map(([k, v]) => `${k}=${v}`).join('&')}`));
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const headers = fc.record({
  accept: optional(fc.oneof(printable, fc.constantFrom('text/html', 'application/json', '*/*', 'application/problem+json', 'text/html;q=0'))),
  'content-type': optional(fc.oneof(printable, fc.constantFrom('application/json', 'application/gzip', 'application/x-tar', 'application/zip', 'multipart/form-data; boundary=x',
    'application/x-git-upload-pack-request', 'application/x-git-receive-pack-request', 'text/plain', 'application/json; charset=latin1'))),
  'content-encoding': optional(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-nope')),
  range: optional(fc.oneof(printable, fc.tuple(fc.nat(5000), fc.nat(5000)).map(([a, b]) => `bytes=${a}-${b}`), fc.constantFrom('bytes=-5', 'bytes=0-', 'bytes=5-1', 'bytes=0-1,3-4'))),
  'if-none-match': optional(fc.oneof(printable, fc.constant('*'))),
  'if-modified-since': optional(printable),
  'x-request-id': optional(printable),
  'x-forwarded-for': optional(printable),
  'git-protocol': optional(fc.oneof(printable, fc.constant('version=2'))),
  cookie: optional(printable),
}, { requiredKeys: [] }).map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined)));
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  fc.record({ name: optional(segment), namespace: optional(segment), description: optional(printable), version: optional(ref), target: optional(ref),
    scopes: optional(fc.array(printable, { maxLength: 3 })), expires: optional(printable), message: optional(printable), reason: optional(printable),
    anonymousRead: optional(fc.jsonValue({ maxDepth: 0 })), semver: optional(fc.jsonValue({ maxDepth: 0 })),
    files: optional(fc.dictionary(fc.oneof(restPath, printable), fc.oneof(printable, fc.constant(hotTemplate(7))), { maxKeys: 3 })) })
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.from('0032want 0000000000000000000000000000000000000000\n00000009done\n')),
);

const OPERATIONS: readonly DocOperation[] = contract.operations();
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** A documented operation with every path parameter generated. */
const restRequest = fc.tuple(fc.constantFrom(...OPERATIONS), segment, segment, ref, restPath, query, fc.boolean()).map(([o, ns, name, r, rest, q, wrongMethod]) => {
  const values: Record<string, string> = { ns: ns === '' ? 'acme' : ns, name: name === '' ? 'web' : name, ref: r, version: r, label: r, id: name, path: rest };
  const p = o.path.replace(/\{([^}]+)\}/g, (_m, k: string) => values[k] ?? 'x');
  return { method: wrongMethod ? 'PROPFIND' : o.method.toUpperCase(), path: `${p}${q}` };
});
/** Paths near the documented ones: the real template with a generated ref and file path. */
const nearRequest = fc.tuple(fc.constantFrom('versions/', 'versions/', 'labels/', 'links/', 'diff', 'changelog', 'dependents', ''), ref, restPath, query)
  .map(([kind, r, rest, q]) => ({ method: 'GET', path: `/api/v1/templates/acme/web/${kind}${kind.startsWith('versions') ? `${r}/files/${rest}` : kind.endsWith('/') ? r : ''}${q}` }));
const gitRequest = fc.tuple(fc.oneof(fc.constant('acme'), segment), fc.oneof(fc.constant('web'), segment),
  fc.constantFrom('/info/refs', '/git-upload-pack', '/git-receive-pack', '/HEAD', '/objects/info/packs', '', '/info/refs/'),
  fc.oneof(fc.constantFrom('?service=git-upload-pack', '?service=git-receive-pack', '?service=git-upload-archive', ''), query))
  .map(([ns, name, svc, q]) => ({ method: svc.startsWith('/git-') ? 'POST' : 'GET', path: `/${ns}/${name}.git${svc}${q}` }));
const linkRequest = fc.tuple(fc.oneof(plainSeg, encodedSeg, fc.constant('eyJ2IjoxfQ.AAAA')), fc.oneof(restRequest, nearRequest))
  .map(([link, r]) => ({ method: r.method, path: `/l/${link}${r.path}` }));
const webRequest = fc.tuple(fc.array(segment, { maxLength: 5 }), query)
  .map(([segs, q]) => ({ method: 'GET', path: `${segs.length === 0 ? '/' : `/t/${segs.join('/')}`}${q}` }));
const anyPath = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 6 }), query).map(([s, q]) => ({ method: 'GET', path: `/${s.join('/')}${q}` }));

const request = fc.tuple(
  fc.oneof({ weight: 5, arbitrary: restRequest }, { weight: 2, arbitrary: nearRequest }, { weight: 3, arbitrary: gitRequest },
    { weight: 1, arbitrary: linkRequest }, { weight: 2, arbitrary: webRequest }, { weight: 1, arbitrary: anyPath }),
  fc.constantFrom(...METHODS, 'same', 'same', 'same', 'same', 'same', 'same'), headers, optional(body),
).map(([r, m, h, b]): Req => {
  const method = m === 'same' ? r.method : m;
  return { method, path: r.path, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : b };
});

// ---- what must hold of every answer -----------------------------------------------------------

/** What is wrong with an answer, or null. */
function fault(r: Req, res: Res): string | null {
  if (res.status >= 500) return `a ${res.status}`;
  const url = r.path.startsWith('/l/') ? r.path.replace(/^\/l\/[^/?]*/, '') || '/' : r.path;
  const p = url.split('?')[0] ?? '';
  const text = res.body.toString('utf8');
  if (GIT_ROUTE.test(p)) {
    if (res.status < 400 || r.method === 'HEAD') return null;
    if (!res.type.startsWith('text/plain')) return `a git error as ${res.type}`;
    if (!text.endsWith('\n') || text.slice(0, -1).includes('\n') || text.trim() === '') return `a git error that is not one line: ${JSON.stringify(text)}`;
    return null;
  }
  // the probes beside the API answer problems to anyone, as the API does
  const isProbe = ['/healthz', '/readyz', '/metrics'].includes(p);
  const isBrowser = (r.method === 'GET' || r.method === 'HEAD') && /\btext\/html\b/.test(r.headers.accept ?? '') && !p.startsWith('/api/') && !isProbe;
  const isWebPage = (p === '/' || p.startsWith('/t/')) && !r.path.startsWith('/l/');
  if (r.method === 'HEAD') return null;
  // the pages answer HTML; a path under /t/ that is no page is a 404 page for a browser, a problem for anyone else
  if (isWebPage && res.status < 400) return res.status >= 300 || res.type.startsWith('text/html') ? null : `a web page as ${res.type}`;
  if (res.status < 400) return null;
  // the API (and the probes beside it) answers problems; other paths are pages, which a browser gets as HTML and anyone else as either
  const isApi = p.startsWith('/api/') || ['/healthz', '/readyz', '/metrics'].includes(p) || r.path.startsWith('/l/');
  if (res.type.startsWith('text/html') && (isWebPage || isBrowser || !isApi)) return null;
  if (isBrowser) return `a browser's error as ${res.type}`;
  if (!res.type.startsWith('application/problem+json')) return `a REST error as ${res.type}`;
  let doc: unknown;
  try { doc = JSON.parse(text); } catch { return 'a problem document that is not JSON'; }
  const errs = contract.checker.errors(PROBLEM, doc);
  if (errs.length > 0) return `a problem document unlike the schema: ${errs.join('; ')}`;
  if ((doc as { status: number }).status !== res.status) return 'a problem whose status differs from the answer';
  return null;
}

// ---- the file-system sentinel ------------------------------------------------------------------

/** Every file and folder under `dir`: kind, mode, size and content hash (folder mtimes move when sqlite opens a journal). */
async function snapshot(dir: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (skip(rel)) continue;
      const st = await stat(full);
      if (e.isDirectory()) { out.set(rel, `dir ${st.mode}`); await walk(full); continue; }
      out.set(rel, `file ${st.mode} ${st.size} ${createHash('sha1').update(await readFile(full)).digest('hex')}`);
    }
  };
  await walk(dir);
  return out;
}

function differences(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} -> ${b.get(k) ?? 'gone'}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: new`);
  return out;
}

// The catalog's WAL files change on any read transaction (sqlite's checkpoint bookkeeping); the content is checked through the API.
// derived state a read may write: the index's journal, and the pack cache's kept clone answers
const VOLATILE = (rel: string) => /^\.heater\/catalog\.sqlite-(wal|shm)$/.test(rel) || rel.startsWith('.heater/pack-cache/');

let root: string;
let reposDir: string;
let server: TestServer;
let work: WorkRepo;

beforeAll(async () => {
  // root/ holds the data directory and sentinel files beside it and above it: a write that escapes lands among them
  root = await mkdtemp(path.join(os.tmpdir(), 'heater-fuzz-'));
  await mkdir(path.join(root, 'outside', 'etc'), { recursive: true });
  await writeFile(path.join(root, 'outside', 'etc', 'passwd'), 'sentinel\n');
  await writeFile(path.join(root, 'sentinel.txt'), 'sentinel\n');
  reposDir = path.join(root, 'data', 'repos');
  await mkdir(reposDir, { recursive: true });
  await writeFile(path.join(root, 'data', 'beside.txt'), 'sentinel\n');
  server = await startServer({ maxAuthFailures: 100000 }, { reposDir });
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1, true), 'scripts/install.sh': '#!/bin/sh\necho hi\n', 'README.md': '# web\n' });
  await work.tag('v1.0.0');
  await work.commit({ 'template.yaml': hotTemplate(2, true) });
  await work.tag('v1.1.0');
  await work.tag('stable', { lightweight: true });
  await work.git(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', 'v1.0.0', 'v1.1.0', 'stable']);
  await work.git(['push', '-q', `${server.authUrl}/acme/other.git`, 'main', 'v1.0.0']);
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await server.close();
  await work.cleanup();
  await rm(root, { recursive: true, force: true });
  expect(await waitNoGitChildren(5000, true)).toEqual([]);
});

/** Runs `n` generated requests; every answer that breaks a property is collected (and shrunk by fast-check). */
async function fuzz(n: number, seed: number, auth: boolean): Promise<void> {
  const base = new URL(server.url);
  const recent: string[] = []; // a fault that depends on earlier writes names them
  await fc.assert(fc.asyncProperty(request, async (r) => {
    const h: Record<string, string> = { ...r.headers };
    if (auth) h.authorization = `Bearer ${TOKEN}`;
    const res = await send(base, { ...r, headers: h });
    const f = fault(r, res);
    if (f) throw new Error(`${r.method} ${r.path} ${JSON.stringify(r.headers)}: ${f}: ${res.body.toString('utf8').slice(0, 300)}\nafter:\n${recent.join('\n')}`);
    recent.push(`${r.method} ${r.path} -> ${res.status}`);
    if (recent.length > 40) recent.shift();
  }), { numRuns: n, seed, endOnFailure: true });
}

test(`${ANONYMOUS_RUNS} anonymous requests: no 5xx, errors in their route's format, nothing changed in or outside the data directory`, async () => {
  const outside = await snapshot(root, (rel) => rel.startsWith(path.join('data', 'repos')));
  const inside = await snapshot(reposDir, VOLATILE);
  await fuzz(ANONYMOUS_RUNS, SEED, false);
  expect(differences(outside, await snapshot(root, (rel) => rel.startsWith(path.join('data', 'repos'))))).toEqual([]);
  expect(differences(inside, await snapshot(reposDir, VOLATILE))).toEqual([]);
}, 120_000);

test(`${AUTHENTICATED_RUNS} requests with the admin token: no 5xx, errors in their route's format, nothing written outside the data directory`, async () => {
  const outside = await snapshot(root, (rel) => rel.startsWith(path.join('data', 'repos')));
  await fuzz(AUTHENTICATED_RUNS, SEED + 1, true);
  expect(differences(outside, await snapshot(root, (rel) => rel.startsWith(path.join('data', 'repos'))))).toEqual([]);
}, 120_000);
