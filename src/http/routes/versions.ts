// /api/v1/templates/:ns/:name/versions: list versions, resolve a ref, raw files and archives at a version.
import { Router, type Request, type Response } from 'express';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { parseFilePath, type Registry, type ArchiveFormat } from '../../registry/registry';
import type { Resolution } from '../../registry/resolve';
import { templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

const TYPES: Readonly<Record<string, string>> = {
  '.yaml': 'application/yaml', '.yml': 'application/yaml', '.json': 'application/json', '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8', '.sh': 'text/x-shellscript', '.py': 'text/x-python', '.ps1': 'text/plain; charset=utf-8',
  '.j2': 'text/plain; charset=utf-8', '.ini': 'text/plain; charset=utf-8', '.cfg': 'text/plain; charset=utf-8', '.conf': 'text/plain; charset=utf-8',
  '.env': 'text/plain; charset=utf-8', '.xml': 'application/xml', '.png': 'image/png', '.svg': 'image/svg+xml', '.tar': 'application/x-tar', '.gz': 'application/gzip', '.zip': 'application/zip',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Content type for a file path, by extension. */
export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** True when If-None-Match lists `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
function matches(req: Request, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (!inm) return false;
  return inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

function describe(r: Resolution) {
  const v = r.version;
  return {
    requested: r.requested,
    resolvedBy: r.resolvedBy,
    version: v?.version ?? null,
    tag: v?.tag ?? null,
    ...(r.label ? { label: r.label } : {}),
    commit: r.commit,
    ...(v && v.ref.commit === r.commit ? { created: v.ref.created, author: v.ref.author, message: v.ref.subject } : {}),
  };
}

function refHeaders(res: Response, r: Resolution, etag: string): void {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', r.immutable ? IMMUTABLE : REVALIDATE);
  res.setHeader('Heater-Commit', r.commit);
  if (r.version) res.setHeader('Heater-Version', r.version.version);
}

/** Routes for versions of one template. */
export function versionsRouter({ registry }: { registry: Registry }): Router {
  const r = Router();

  r.route('/templates/:ns/:name/versions').get(async (req, res) => {
    const t = templateParam(req);
    res.json({ template: t.id, versions: await registry.versions(t) });
  }).all(methodNotAllowed('GET, HEAD'));

  r.route('/templates/:ns/:name/versions/:ref').get(async (req, res) => {
    const t = templateParam(req);
    const { gitDir, resolution } = await registry.resolve(t, String(req.params.ref));
    const files = await registry.files(gitDir, resolution);
    res.setHeader('Cache-Control', REVALIDATE);
    res.json({ template: t.id, ...describe(resolution), files: files.map((f) => ({ path: f.path, size: f.size, mode: f.mode, blob: f.oid })) });
  }).all(methodNotAllowed('GET, HEAD'));

  r.route('/templates/:ns/:name/versions/:ref/files/*path').get(async (req, res) => {
    const t = templateParam(req);
    const filePath = parseFilePath((req.params as { path?: string[] }).path ?? []);
    const { resolution, file, body } = await registry.file(t, String(req.params.ref), filePath);
    const etag = `"${file.oid}"`;
    refHeaders(res, resolution, etag);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox"); // user content is never run in our origin
    if (matches(req, etag)) { discard(body); res.status(304).end(); return; }
    res.setHeader('Content-Type', contentType(filePath));
    res.setHeader('Content-Length', String(file.size));
    if (Buffer.isBuffer(body)) { res.end(req.method === 'HEAD' ? undefined : body); return; }
    if (req.method === 'HEAD') { discard(body); res.end(); return; }
    body.pipe(res);
  }).all(methodNotAllowed('GET, HEAD'));

  for (const format of ['tar.gz', 'zip'] as const satisfies readonly ArchiveFormat[]) {
    r.route(`/templates/:ns/:name/versions/:ref/archive.${format}`).get(async (req, res) => {
      const t = templateParam(req);
      const { gitDir, resolution } = await registry.resolve(t, String(req.params.ref));
      const etag = `"${resolution.commit}.${format}"`;
      refHeaders(res, resolution, etag);
      if (matches(req, etag)) { res.status(304).end(); return; }
      const label = resolution.version?.version ?? resolution.commit.slice(0, 12);
      res.setHeader('Content-Type', format === 'zip' ? 'application/zip' : 'application/gzip');
      res.setHeader('Content-Disposition', `attachment; filename="${t.name}-${label}.${format}"`);
      if (req.method === 'HEAD') { res.end(); return; }
      const stream = registry.archive(gitDir, resolution, format, `${t.name}-${label}`);
      stream.pipe(res);
      res.on('close', () => stream.destroy());
    }).all(methodNotAllowed('GET, HEAD'));
  }

  return r;
}

function discard(body: Buffer | Readable): void {
  if (!Buffer.isBuffer(body)) body.destroy();
}

