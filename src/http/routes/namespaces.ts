// /api/v1/namespaces/:ns: per-namespace settings (the semver policy).
import { Router, json } from 'express';
import type { WriteEvents } from '../../events/write-events';
import { parseSettings, type NamespaceSettingsStore } from '../../registry/namespace-settings';
import type { Access } from '../access';
import { namespaceParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

/** Reading settings is open (for a private namespace: to its readers); changing them takes admin on the namespace. */
export function namespacesRouter({ settings, access, events }: { settings: NamespaceSettingsStore; access: Access; events: WriteEvents }): Router {
  const r = Router();
  r.route('/namespaces/:ns')
    .get(access.allow('read', 'namespace'), async (req, res) => {
      const ns = namespaceParam(req);
      res.json({ namespace: ns, settings: await settings.get(ns) });
    })
    .patch(access.allow('admin', 'namespace'), json({ limit: '4kb', strict: true }), async (req, res) => {
      const ns = namespaceParam(req);
      const change = parseSettings(req.body);
      const next = await settings.update(ns, change);
      await events.emit({ via: 'rest', refs: [], action: 'namespace.update', actor: access.actor(req), namespace: ns, ok: true, detail: JSON.stringify(change) });
      res.json({ namespace: ns, settings: next });
    })
    .all(methodNotAllowed('GET, HEAD, PATCH'));
  return r;
}
