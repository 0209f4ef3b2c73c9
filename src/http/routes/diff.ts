// GET /api/v1/templates/:ns/:name/diff: what changed between two refs, as a patch, as JSON, structurally.
import { Router } from 'express';
import { createHash } from 'node:crypto';
import type { Registry } from '../../registry/registry';
import type { Resolution } from '../../registry/resolve';
import { parseFilePath } from '../../registry/registry';
import type { Differ, Side } from '../../diff/differ';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { flagQuery, singleQuery, takes, templateParam } from '../params';
import type { Access } from '../access';
import { methodNotAllowed } from '../method-not-allowed';
import { cacheControl, matches } from '../file-response';

const MAX_CONTEXT = 1000;
const MAX_PATHS = 100;

/** Parses context=N: 0 to MAX_CONTEXT lines (git's default is 3). */
export function parseContext(raw: string | undefined): number {
  if (raw === undefined) return 3;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > MAX_CONTEXT) throw new InvalidInputError('context', `context must be a whole number of lines from 0 to ${MAX_CONTEXT}.`);
  return Number(raw);
}

/** Parses paths= (repeated, or comma-separated): files or folders of the version, checked like file paths. */
export function parsePaths(raw: unknown): string[] {
  if (raw === undefined) return [];
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [''])).map((p) => p.trim()).filter((p) => p !== '');
  if (list.length > MAX_PATHS) throw new InvalidInputError('paths', `At most ${MAX_PATHS} paths.`);
  return [...new Set(list.map((p) => parseFilePath(p.replace(/\/+$/, '').split('/'))))].sort();
}

function side(r: Resolution) {
  return { requested: r.requested, resolvedBy: r.resolvedBy, version: r.version?.version ?? null, commit: r.commit };
}

/** Routes for diffs between versions. */
export function diffRouter({ registry, differ, access }: { registry: Registry; differ: Differ; access: Access }): Router {
  const r = Router();
  r.route('/templates/:ns/:name/diff').get(access.allow('read', 'template'), takes('a diff', ['from', 'to', 'context', 'format', 'structural', 'binary'], ['paths']), async (req, res) => {
    const t = templateParam(req);
    const fromRef = singleQuery(req, 'from');
    const toRef = singleQuery(req, 'to');
    if (!fromRef || !toRef) throw new InvalidInputError('from', 'Give both from= and to=: each a version, range, label, commit id or "latest" (e.g. from=1.2.0&to=latest).');
    const context = parseContext(singleQuery(req, 'context'));
    const paths = parsePaths(req.query.paths);
    const format = singleQuery(req, 'format') ?? (req.accepts(['application/json', 'text/x-diff']) === 'text/x-diff' ? 'patch' : 'json');
    if (format !== 'json' && format !== 'patch') throw new InvalidInputError('format', 'format must be json or patch.');
    const structural = flagQuery(req, 'structural');
    const binary = flagQuery(req, 'binary');

    const [a, b] = await Promise.all([registry.resolve(t, fromRef), registry.resolve(t, toRef)]);
    const gitDir = a.gitDir;
    const from: Side = { commit: a.resolution.commit, tree: await registry.treeOf(gitDir, a.resolution) };
    const to: Side = { commit: b.resolution.commit, tree: await registry.treeOf(gitDir, b.resolution) };
    // the answer names the commits and versions, not only the trees: all of them are in the tag
    const tag = createHash('sha256').update(JSON.stringify([side(a.resolution), side(b.resolution), context, format, structural, binary, paths])).digest('base64url');
    const etag = `"diff-${tag.slice(0, 32)}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', cacheControl(a.resolution.immutable && b.resolution.immutable, access.audience(req)));
    res.setHeader('Vary', 'Accept');
    if (matches(req, etag)) { res.status(304).end(); return; }
    const { raw, files } = await differ.patch(gitDir, from, to, { context, paths, binary });
    if (format === 'patch') {
      res.setHeader('Content-Type', 'text/x-diff; charset=utf-8');
      res.end(raw); // git's bytes, whatever the files' encoding
      return;
    }
    const yaml = structural ? await differ.yamlDiffs(gitDir, from, to, files) : undefined;
    const summary = await differ.summary(from, to, (tree) => registry.yamlTexts(gitDir, tree));
    res.json({ template: t.id, from: side(a.resolution), to: side(b.resolution), summary, context, paths, files, ...(yaml ? { structural: yaml } : {}) });
  }).all(methodNotAllowed('GET, HEAD'));
  return r;
}
