// /api/v1/templates/:ns/:name/changelog, …/dependencies and …/dependents: what the index derived from a template's versions.
import { Router, type Request } from 'express';
import type { CatalogStore, VersionRecord } from '../../catalog/catalog-store';
import type { TemplateId } from '../../git/store';
import type { Registry } from '../../registry/registry';
import { versionOfTag } from '../../registry/versions';
import { UseResolver } from '../../catalog/use-resolver';
import type { TemplateUse } from '../../catalog/template-uses';
import { NotFoundError } from '../../errors/not-found-error';
import { InvalidInputError } from '../../errors/invalid-input-error';
import type { Access } from '../access';
import { templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

export interface HistoryDeps {
  readonly catalog: CatalogStore;
  readonly registry: Registry;
  readonly access: Access;
}

/** Throws InvalidInputError naming the first query parameter that is not in `known`. */
function onlyParams(query: Readonly<Record<string, unknown>>, known: readonly string[], what: string): void {
  for (const name of Object.keys(query)) {
    if (known.includes(name)) continue;
    throw new InvalidInputError(name, `"${name.slice(0, 60)}" is not a parameter of ${what}, which takes ${known.length > 0 ? known.join(', ') : 'none'}.`);
  }
}

/** Routes that answer from the catalog's per-version records. */
export function historyRouter({ catalog, registry, access }: HistoryDeps): Router {
  const r = Router();
  /** The template's records; NotFoundError when the index does not hold it (it is current before any write answers). */
  const recordsOf = async (t: TemplateId): Promise<VersionRecord[]> => {
    if (!(await catalog.stamp(t.id))) throw new NotFoundError('template-not-found', `There is no template ${t.id}.`);
    return catalog.versionRecords(t.id);
  };
  /** A use as the caller may see it: resolved only when the caller may read the template it uses. */
  const shown = async (req: Request, resolver: UseResolver, use: TemplateUse) => {
    const visible = access.mayRead(req, use.template.split('/')[0] ?? '');
    return { ...use, ...(visible ? await resolver.resolve(use) : { resolvesTo: null, admitsLatest: false }) };
  };

  r.route('/templates/:ns/:name/changelog').get(access.allow('read', 'template'), async (req, res) => {
    const t = templateParam(req);
    onlyParams(req.query, [], 'the changelog');
    res.json({ template: t.id, items: (await recordsOf(t)).map((rec) => rec.entry) });
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
    onlyParams(req.query, [], 'the dependents');
    await recordsOf(t);
    const resolver = new UseResolver(registry);
    // a use from a namespace the caller may not read is left out, and counted nowhere
    const uses = (await catalog.dependents(t.id)).filter((d) => access.mayRead(req, d.namespace));
    const items = await Promise.all(uses.map(async (d) => {
      const { template: _used, ...use } = d.use;
      return { template: d.template, version: d.version, isLatest: d.version === d.latestVersion, ...use, ...(await resolver.resolve(d.use)) };
    }));
    res.json({ template: t.id, latestVersion: await resolver.latest(t.id), items });
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
