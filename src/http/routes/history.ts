// /api/v1/templates/:ns/:name/changelog: what the index derived from a template's versions when they were published.
import { Router } from 'express';
import type { CatalogStore } from '../../catalog/catalog-store';
import { NotFoundError } from '../../errors/not-found-error';
import { InvalidInputError } from '../../errors/invalid-input-error';
import type { Access } from '../access';
import { templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

export interface HistoryDeps {
  readonly catalog: CatalogStore;
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
export function historyRouter({ catalog, access }: HistoryDeps): Router {
  const r = Router();
  r.route('/templates/:ns/:name/changelog').get(access.allow('read', 'template'), async (req, res) => {
    const t = templateParam(req);
    onlyParams(req.query, [], 'the changelog');
    // the index is current before any write answers: a template it does not hold does not exist
    if (!(await catalog.stamp(t.id))) throw new NotFoundError('template-not-found', `There is no template ${t.id}.`);
    const items = (await catalog.changelog(t.id)).map((rec) => rec.entry);
    res.json({ template: t.id, items });
  }).all(methodNotAllowed('GET, HEAD'));
  return r;
}
