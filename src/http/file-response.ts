// How a file at a version is answered: content type, ETag and If-None-Match, cache rules, HEAD.
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { GitStream } from '../git/exec';
import type { Resolution } from '../registry/resolve';
import type { TreeFile } from '../git/objects';

const TYPES: Readonly<Record<string, string>> = {
  '.yaml': 'application/yaml', '.yml': 'application/yaml', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.sh': 'text/x-shellscript', '.py': 'text/x-python', '.ps1': 'text/plain; charset=utf-8',
  '.j2': 'text/plain; charset=utf-8', '.ini': 'text/plain; charset=utf-8', '.cfg': 'text/plain; charset=utf-8', '.conf': 'text/plain; charset=utf-8',
  '.env': 'text/plain; charset=utf-8', '.xml': 'application/xml', '.png': 'image/png', '.svg': 'image/svg+xml', '.tar': 'application/x-tar', '.gz': 'application/gzip', '.zip': 'application/zip',
};
export const REVALIDATE = 'no-cache';

/** Who may keep a copy of an answer: any cache, or only the client's own (RFC 9111 §5.2.2.7). */
export type Audience = 'public' | 'private';

/** Cache-Control for an answer about a ref: kept a year when it can never change, revalidated when it can. */
export function cacheControl(immutable: boolean, audience: Audience): string {
  if (audience === 'private') return immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache';
  return immutable ? 'public, max-age=31536000, immutable' : REVALIDATE;
}

/** Content type for a file path, by extension. */
export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** True when If-None-Match lists `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
export function matches(req: IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

/** Headers every answer about a resolved ref carries: ETag, cache rule, commit and version. */
export function refHeaders(r: Resolution, etag: string, audience: Audience): Record<string, string> {
  const h: Record<string, string> = { ETag: etag, 'Cache-Control': cacheControl(r.immutable, audience), 'Heater-Commit': r.commit };
  if (r.version) h['Heater-Version'] = r.version.version;
  // Deprecation and yank travel with every answer that returns the version (percent-encoded: headers are ASCII).
  if (r.version?.deprecated) h['Heater-Deprecated'] = encodeURIComponent(r.version.deprecated.message);
  if (r.version?.yanked) h['Heater-Yanked'] = encodeURIComponent(r.version.yanked.message);
  return h;
}

/**
 * Answers with a file: 304 when If-None-Match holds its blob id, its bytes otherwise (none for
 * HEAD). User content is served with nosniff and a sandboxing CSP, so it never runs in our origin.
 */
export function sendFile(req: IncomingMessage, res: ServerResponse, r: Resolution, file: TreeFile, filePath: string, body: Buffer | GitStream, audience: Audience): void {
  const etag = `"${file.oid}"`;
  const headers = { ...refHeaders(r, etag, audience), 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox" };
  if (matches(req, etag)) {
    discard(body);
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': contentType(filePath), 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') { discard(body); res.end(); return; }
  if (Buffer.isBuffer(body)) { res.end(body); return; }
  pipeGit(body, res);
}

/**
 * Streams a git's output as the response body, ending it only when git exits 0: a git that fails
 * midway cuts the connection, so no client (or cache) takes a short body for a whole one.
 */
export function pipeGit(g: GitStream, res: ServerResponse): void {
  g.stdout.pipe(res, { end: false });
  res.on('close', () => g.kill());
  void g.exit.then((code) => { if (code === 0) res.end(); else res.destroy(); });
}

function discard(body: Buffer | GitStream): void {
  if (!Buffer.isBuffer(body)) body.kill();
}
