// Web pages of a version's files (`/t/:ns/:name/v/:ref/files[/*path]`) and of the diff between two versions (`/t/:ns/:name/diff`).
import { Router, type Request } from 'express';
import { html as diffHtml } from 'diff2html';
import { ColorSchemeType } from 'diff2html/lib/types';
import type { Differ, Side } from '../../diff/differ';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { NotFoundError } from '../../errors/not-found-error';
import { parseFilePath, type Registry } from '../../registry/registry';
import type { Resolution } from '../../registry/resolve';
import { renderDiffPage, type DiffLayout } from '../../web/diff-page';
import { renderFile, renderFileList, type FilesPlace } from '../../web/files-page';
import { highlightLines } from '../../web/highlight';
import { downloadsOf } from '../../web/template-page';
import { sendFile } from '../file-response';
import { sendArchive } from '../archive-response';
import type { Access } from '../access';
import { methodNotAllowed } from '../method-not-allowed';
import { onlyParams, templateParam } from '../params';
import type { WebPages } from '../web-pages';

export interface WebFilesDeps {
  readonly registry: Registry;
  readonly differ: Differ;
  readonly access: Access;
  readonly pages: WebPages;
}

// A file page shows at most this much text; past it, the raw link (a browser chokes on a 100k-row table).
const MAX_SHOWN_BYTES = 2 * 1024 * 1024;

function placeOf(id: string, ref: string, r: Resolution, isPrivate: boolean): FilesPlace {
  return { id, ref, version: r.version?.version ?? null, downloads: downloadsOf(id, ref, isPrivate) };
}

/** Text when the bytes are UTF-8 without NUL (what git calls text, near enough), else null. */
function textOf(body: Buffer): string | null {
  if (body.includes(0)) return null;
  const text = body.toString('utf8');
  return text.includes('\uFFFD') ? null : text;
}

/** diff2html's scrolling boxes made reachable by the keyboard (a region that scrolls sideways needs focus: WCAG 2.1.1). */
function focusable(html: string): string {
  return html.replace(/<div class="(d2h-file-diff|d2h-file-side-diff)">/g, '<div class="$1" tabindex="0">');
}

/** Routes of the files and diff pages. */
export function webFilesRouter({ registry, differ, access, pages }: WebFilesDeps): Router {
  const r = Router();
  const page = [pages.session, access.allow('read', 'template')] as const;

  r.route('/t/:ns/:name/v/:ref/files').get(...page, async (req, res) => {
    onlyParams(req.query, [], 'the file list');
    const t = templateParam(req);
    const ref = String(req.params.ref);
    const { gitDir, resolution } = await registry.resolve(t, ref);
    pages.send(res, renderFileList(pages.context(req), placeOf(t.id, ref, resolution, !access.template(t).anonymousRead), await registry.files(gitDir, resolution)));
  }).all(methodNotAllowed('GET, HEAD'));

  r.route('/t/:ns/:name/v/:ref/files/*path').get(...page, async (req, res) => {
    onlyParams(req.query, [], 'a file page');
    const t = templateParam(req);
    const ref = String(req.params.ref);
    const path = parseFilePath((req.params as { path?: string[] }).path ?? []);
    const { resolution, file, body } = await registry.file(t, ref, path);
    const text = Buffer.isBuffer(body) && file.size <= MAX_SHOWN_BYTES ? textOf(body) : null;
    if (!Buffer.isBuffer(body)) body.kill();
    pages.send(res, renderFile(pages.context(req), placeOf(t.id, ref, resolution, !access.template(t).anonymousRead), file, text === null ? null : highlightLines(text.replace(/\n$/, ''), path)));
  }).all(methodNotAllowed('GET, HEAD'));

  // raw files and archives for the pages of private templates: the session cookie opens them, as a token opens the API's
  r.route('/t/:ns/:name/v/:ref/raw/*path').get(pages.session, access.allow('read', 'version'), async (req, res) => {
    onlyParams(req.query, [], 'a raw file');
    const path = parseFilePath((req.params as { path?: string[] }).path ?? []);
    const { resolution, file, body } = await registry.file(templateParam(req), String(req.params.ref), path);
    sendFile(req, res, resolution, file, path, body, access.audience(req));
  }).all(methodNotAllowed('GET, HEAD'));
  for (const format of ['tar.gz', 'zip'] as const) {
    r.route(`/t/:ns/:name/v/:ref/archive.${format}`).get(pages.session, access.allow('read', 'version'), async (req, res) => {
      onlyParams(req.query, [], 'an archive');
      await sendArchive(registry, req, res, templateParam(req), String(req.params.ref), format, access.audience(req));
    }).all(methodNotAllowed('GET, HEAD'));
  }

  r.route('/t/:ns/:name/diff').get(...page, async (req: Request, res) => {
    onlyParams(req.query, ['from', 'to', 'view'], 'the diff page');
    const t = templateParam(req);
    const { from: fromRef, to: toRef, view } = req.query as Record<string, string | undefined>;
    if (!fromRef || !toRef) throw new InvalidInputError('from', 'Give both from= and to=: each a version, range, label, commit id or "latest" (e.g. from=1.2.0&to=latest).');
    if (view !== undefined && view !== 'unified' && view !== 'split') throw new InvalidInputError('view', 'view must be unified or split.');
    const layout: DiffLayout = view ?? 'unified';
    const [a, b, versions] = await Promise.all([registry.resolve(t, fromRef), registry.resolve(t, toRef), registry.versions(t)]);
    const gitDir = a.gitDir;
    const from: Side = { commit: a.resolution.commit, tree: await registry.treeOf(gitDir, a.resolution) };
    const to: Side = { commit: b.resolution.commit, tree: await registry.treeOf(gitDir, b.resolution) };
    const [{ raw, files }, summary] = await Promise.all([
      differ.patch(gitDir, from, to, { context: 3, paths: [] }),
      differ.summary(from, to, (tree) => registry.yamlTexts(gitDir, tree)),
    ]);
    const side = (ref: string, x: Resolution) => ({ requested: ref, version: x.version?.version ?? null, commit: x.commit });
    pages.send(res, renderDiffPage(pages.context(req), {
      id: t.id, from: side(fromRef, a.resolution), to: side(toRef, b.resolution), layout, summary, fileCount: files.length,
      versions: versions.map((x) => x.version),
      // diff2html escapes every line it draws; auto follows prefers-color-scheme
      html: files.length === 0 ? '' : focusable(diffHtml(raw.toString('utf8'), { outputFormat: layout === 'split' ? 'side-by-side' : 'line-by-line', drawFileList: true, matching: 'lines', colorScheme: ColorSchemeType.AUTO })),
    }));
  }).all(methodNotAllowed('GET, HEAD'));

  // anything else under a template's pages is a page that does not exist
  r.all('/t/*rest', pages.session, () => {
    throw new NotFoundError('route-not-found', 'There is no such page. A template\'s pages are /t/NAMESPACE/NAME, …/v/VERSION, …/v/VERSION/files and …/diff?from=&to=.');
  });
  return r;
}
