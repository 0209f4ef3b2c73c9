// How an archive of a version is answered: git archive streamed, named `<name>-<version>.<format>`, with the ref's cache headers.
import type { Request, Response } from 'express';
import type { TemplateId } from '../git/store';
import type { ArchiveFormat, Registry } from '../registry/registry';
import { matches, pipeGit, refHeaders, type Audience } from './file-response';

/** Answers `…/archive.<format>` of `ref`: 304 on a matching ETag, headers only for HEAD. Throws what registry.resolve throws. */
export async function sendArchive(registry: Registry, req: Request, res: Response, t: TemplateId, ref: string, format: ArchiveFormat, audience: Audience): Promise<void> {
  const { gitDir, resolution } = await registry.resolve(t, ref);
  const etag = `"${resolution.commit}.${format}"`;
  for (const [k, v] of Object.entries(refHeaders(resolution, etag, audience))) res.setHeader(k, v);
  if (matches(req, etag)) { res.status(304).end(); return; }
  const label = resolution.version?.version ?? resolution.commit.slice(0, 12);
  res.setHeader('Content-Type', format === 'zip' ? 'application/zip' : 'application/gzip');
  res.setHeader('Content-Disposition', `attachment; filename="${t.name}-${label}.${format}"`);
  if (req.method === 'HEAD') { res.end(); return; }
  pipeGit(registry.archive(gitDir, resolution, format, `${t.name}-${label}`), res);
}
