// /api/v1/namespaces: the namespaces a caller may see, with template counts; /api/v1/namespaces/:ns: per-namespace settings.
import { Router, json } from 'express';
import type { WriteEvents } from '../../events/write-events';
import type { CatalogStore } from '../../catalog/catalog-store';
import { parseSettings, type NamespaceSettingsStore } from '../../registry/namespace-settings';
import type { Access } from '../access';
import { namespaceParam, onlyParams, takes } from '../params';
import { NotFoundError } from '../../errors/not-found-error';
import { methodNotAllowed } from '../method-not-allowed';

/** Reading settings is open (for a private namespace: to its readers); changing them takes admin on the namespace. */
export function namespacesRouter({ settings, access, events, catalog }: { settings: NamespaceSettingsStore; access: Access; events: WriteEvents; catalog: CatalogStore }): Router {
  const r = Router();
  r.route('/namespaces')
    .get(access.allow('read', 'registry'), async (req, res) => {
      onlyParams(req.query, [], 'the namespace list');
      // from the catalog, each asked of the policy: a private namespace the caller may not read is not there
      const all = await catalog.namespaces();
      const visible = new Set(access.readable(req, all.map((n) => n.namespace)));
      res.json({ items: all.filter((n) => visible.has(n.namespace)) });
    })
    .all(methodNotAllowed('GET, HEAD'));
  r.route('/namespaces/:ns')
    .get(access.allow('read', 'namespace'), takes('a namespace'), async (req, res) => {
      const ns = namespaceParam(req);
      // a namespace is there once it holds a template or has settings of its own; one that is not
      // answers as a private one does to a stranger, so a 404 never tells a private namespace apart
      const known = settings.hasOwn(ns) || (await catalog.namespaces()).some((n) => n.namespace === ns);
      if (!known) throw new NotFoundError('namespace-not-found', `There is no namespace ${ns}.`);
      res.json({ namespace: ns, settings: await settings.get(ns) });
    })
    .patch(access.allow('admin', 'namespace'), takes('a settings change'), json({ limit: '4kb', strict: true }), async (req, res) => {
      const ns = namespaceParam(req);
      const change = parseSettings(req.body);
      const next = await settings.update(ns, change);
      await events.emit({ via: 'rest', refs: [], action: 'namespace.update', actor: access.actor(req), namespace: ns, ok: true, detail: JSON.stringify(change) });
      res.json({ namespace: ns, settings: next });
    })
    .all(methodNotAllowed('GET, HEAD, PATCH'));
  return r;
}
