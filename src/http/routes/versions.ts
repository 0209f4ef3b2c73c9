// /api/v1/templates/:ns/:name/versions: list versions, resolve a ref, raw files and archives at a version.
import { Router } from 'express';
import type { Access } from '../access';
import { parseFilePath, type Registry, type ArchiveFormat } from '../../registry/registry';
import type { Resolution } from '../../registry/resolve';
import { singleQuery, takes, templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';
import { REVALIDATE, sendFile } from '../file-response';
import { sendArchive } from '../archive-response';
import { sendJson } from '../json-response';
import type { CachedReads } from '../cached-reads';

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
    deprecated: v?.deprecated ?? null,
    yanked: v?.yanked ?? null,
  };
}

/** Routes for versions of one template. */
export function versionsRouter({ registry, access, cached }: { registry: Registry; access: Access; cached: CachedReads }): Router {
  const r = Router();

  r.route('/templates/:ns/:name/versions').get(access.allow('read', 'template'), takes('the version list'), cached.template, async (req, res) => {
    const t = templateParam(req);
    sendJson(req, res, { template: t.id, versions: await registry.versions(t) });
  }).all(methodNotAllowed('GET, HEAD, POST')); // POST (publish) is served by publishRouter, mounted first

  r.route('/templates/:ns/:name/versions/:ref').get(access.allow('read', 'version'), takes('a version'), cached.template, async (req, res) => {
    const t = templateParam(req);
    const { gitDir, resolution } = await registry.resolve(t, String(req.params.ref));
    const [files, facts] = await Promise.all([registry.files(gitDir, resolution), registry.facts(gitDir, resolution)]);
    res.setHeader('Cache-Control', REVALIDATE);
    sendJson(req, res, {
      template: t.id, ...describe(resolution),
      manifest: facts.manifest, entrypoint: facts.entrypoint, interface: facts.interface,
      files: files.map((f) => ({ path: f.path, size: f.size, mode: f.mode, blob: f.oid })),
    });
  }).all(methodNotAllowed('GET, HEAD, DELETE'));

  // compat reads the version below too: the whole template
  r.route('/templates/:ns/:name/versions/:ref/compat').get(access.allow('read', 'template'), takes('the compatibility check', ['against']), async (req, res) => {
    const t = templateParam(req);
    const against = singleQuery(req, 'against');
    const c = await registry.compat(t, String(req.params.ref), against);
    res.json({
      template: t.id, version: c.version.version, against: c.against?.version ?? null,
      required: c.compat.required, actual: c.actual, ok: c.ok, breaking: c.compat.breaking, changes: c.compat.changes,
    });
  }).all(methodNotAllowed('GET, HEAD'));

  r.route('/templates/:ns/:name/versions/:ref/files/*path').get(access.allow('read', 'version'), takes('a file'), cached.template, async (req, res) => {
    const t = templateParam(req);
    const filePath = parseFilePath((req.params as { path?: string[] }).path ?? []);
    const { resolution, file, body } = await registry.file(t, String(req.params.ref), filePath);
    sendFile(req, res, resolution, file, filePath, body, access.audience(req));
  }).all(methodNotAllowed('GET, HEAD'));

  for (const format of ['tar.gz', 'zip'] as const satisfies readonly ArchiveFormat[]) {
    r.route(`/templates/:ns/:name/versions/:ref/archive.${format}`).get(access.allow('read', 'version'), takes('an archive'), cached.template, async (req, res) => {
      await sendArchive(registry, req, res, templateParam(req), String(req.params.ref), format, access.audience(req));
    }).all(methodNotAllowed('GET, HEAD'));
  }

  return r;
}


