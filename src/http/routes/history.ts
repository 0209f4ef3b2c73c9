// /api/v1/templates/:ns/:name/changelog, …/dependencies and …/dependents: what the index derived from a template's versions.
import { Router, type Request } from 'express';
import type { CatalogStore, DependentUse as Dependent, VersionRecord } from '../../catalog/catalog-store';
import type { TemplateId } from '../../git/store';
import type { Registry } from '../../registry/registry';
import { versionOfTag } from '../../registry/versions';
import { UseResolver } from '../../catalog/use-resolver';
import type { TemplateUse } from '../../catalog/template-uses';
import { NotFoundError } from '../../errors/not-found-error';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { badCursor, decodeOpaque, encodeOpaque, pageLimit } from '../cursor';
import semver from 'semver';
import type { Access } from '../access';
import { onlyParams, templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';
import { sendJson } from '../json-response';
import type { CachedReads } from '../cached-reads';

export interface HistoryDeps {
  readonly catalog: CatalogStore;
  readonly registry: Registry;
  readonly access: Access;
  readonly cached: CachedReads;
}

const PAGE = ['limit', 'cursor'];

/**
 * One page of `items` (in their order) after the item the cursor names: `after(item, mark)` says
 * whether an item comes after the mark of the last item handed out, so a page boundary stays put
 * while versions are published or removed.
 */
function pageOf<T, M extends Record<string, unknown>>(
  items: readonly T[],
  query: Readonly<Record<string, unknown>>,
  mark: { of: (item: T) => M; valid: (m: Record<string, unknown>) => m is M; after: (item: T, m: M) => boolean },
): { items: T[]; total: number; nextCursor: string | null } {
  const limit = pageLimit(query.limit as string | undefined);
  let from = 0;
  if (query.cursor !== undefined) {
    const m = decodeOpaque(query.cursor as string, 400);
    if (!mark.valid(m)) throw badCursor();
    // the item the cursor names, when it is still there (it settles ties the order leaves, such as build metadata); else the first after it
    const seen = JSON.stringify(m);
    const at = items.findIndex((x) => JSON.stringify(mark.of(x)) === seen);
    from = at >= 0 ? at + 1 : items.findIndex((x) => mark.after(x, m));
    if (from < 0) from = items.length;
  }
  const page = items.slice(from, from + limit);
  const last = page[page.length - 1];
  return { items: page, total: items.length, nextCursor: from + limit < items.length && last !== undefined ? encodeOpaque(mark.of(last)) : null };
}

// the changelog's order is by version, highest first: a page goes on below the last version it showed
const byVersion = {
  of: (rec: VersionRecord) => ({ v: rec.entry.version }),
  valid: (m: Record<string, unknown>): m is { v: string } => typeof m.v === 'string' && semver.valid(m.v) !== null,
  after: (rec: VersionRecord, m: { v: string }) => semver.lt(rec.entry.version, m.v),
};

// dependents come by template id, then version (highest first), then place in the version
const byDependent = {
  of: (d: Dependent) => ({ t: d.template, v: d.version, s: d.seq }),
  valid: (m: Record<string, unknown>): m is { t: string; v: string; s: number } =>
    typeof m.t === 'string' && typeof m.v === 'string' && semver.valid(m.v) !== null && typeof m.s === 'number' && Number.isSafeInteger(m.s),
  after: (d: Dependent, m: { t: string; v: string; s: number }) =>
    d.template > m.t || (d.template === m.t && (semver.lt(d.version, m.v) || (d.version === m.v && d.seq > m.s))),
};

/** Routes that answer from the catalog's per-version records. */
export function historyRouter({ catalog, registry, access, cached }: HistoryDeps): Router {
  const r = Router();
  /** NotFoundError when the index does not hold the template (it is current before any write answers). */
  const requireIndexed = async (t: TemplateId): Promise<void> => {
    if (!(await catalog.stamp(t.id))) throw new NotFoundError('template-not-found', `There is no template ${t.id}.`);
  };
  /** The template's records; NotFoundError as requireIndexed. */
  const recordsOf = async (t: TemplateId): Promise<VersionRecord[]> => {
    await requireIndexed(t);
    return catalog.versionRecords(t.id);
  };
  /** A use as the caller may see it: resolved only when the caller may read the template it uses. */
  const shown = async (req: Request, resolver: UseResolver, use: TemplateUse) => {
    const visible = access.mayRead(req, use.template.split('/')[0] ?? '');
    return { ...use, ...(visible ? await resolver.resolve(use) : { resolvesTo: null, admitsLatest: false }) };
  };

  r.route('/templates/:ns/:name/changelog').get(access.allow('read', 'template'), cached.catalog, async (req, res) => {
    const t = templateParam(req);
    onlyParams(req.query, PAGE, 'the changelog');
    const page = pageOf(await recordsOf(t), req.query, byVersion);
    sendJson(req, res, { template: t.id, total: page.total, items: page.items.map((rec) => rec.entry), nextCursor: page.nextCursor });
  }).all(methodNotAllowed('GET, HEAD'));

  r.route('/templates/:ns/:name/dependencies').get(access.allow('read', 'template'), async (req, res) => {
    const t = templateParam(req);
    onlyParams(req.query, ['version'], 'the dependencies');
    const wanted = versionParam(req.query.version);
    const records = await recordsOf(t);
    const resolver = new UseResolver(registry);
    // by default the latest release; a template with prereleases only, its highest version
    const version = wanted === 'latest' ? (await resolver.latest(t.id)) ?? records[0]?.entry.version : wanted;
    const record = records.find((rec) => rec.entry.version === version);
    if (!record) throw new NotFoundError('version-not-found', wanted === 'latest' ? `${t.id} has no versions.` : `${t.id} has no version ${wanted}.`);
    res.json({ template: t.id, version: record.entry.version, items: await Promise.all(record.uses.map((u) => shown(req, resolver, u))) });
  }).all(methodNotAllowed('GET, HEAD'));

  r.route('/templates/:ns/:name/dependents').get(access.allow('read', 'template'), async (req, res) => {
    const t = templateParam(req);
    onlyParams(req.query, PAGE, 'the dependents');
    await requireIndexed(t);
    const resolver = new UseResolver(registry);
    // a use from a namespace the caller may not read is left out, and counted nowhere
    const all = await catalog.dependents(t.id);
    const visible = new Set(access.readable(req, [...new Set(all.map((d) => d.namespace))]));
    const uses = all.filter((d) => visible.has(d.namespace));
    const page = pageOf(uses, req.query, byDependent);
    const items = await Promise.all(page.items.map(async (d) => {
      const { template: _used, ...use } = d.use;
      return { template: d.template, version: d.version, isLatest: d.version === d.latestVersion, ...use, ...(await resolver.resolve(d.use)) };
    }));
    res.json({ template: t.id, latestVersion: await resolver.latest(t.id), total: page.total, items, nextCursor: page.nextCursor });
  }).all(methodNotAllowed('GET, HEAD'));
  return r;
}

/** The `version` parameter: an exact version (normalised) or `latest`, its default. Throws InvalidInputError. */
function versionParam(raw: unknown): string {
  if (raw === undefined || raw === 'latest') return 'latest';
  const v = typeof raw === 'string' ? versionOfTag(raw) : null;
  if (v === null) throw new InvalidInputError('version', 'version is an exact version (1.2.0, v1.2.0) or latest, given once.');
  return v;
}
