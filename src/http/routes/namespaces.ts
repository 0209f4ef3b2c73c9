// /api/v1/namespaces/:ns: per-namespace settings (the semver policy).
import { Router, json } from 'express';
import type { AdminToken } from '../../auth/admin-token';
import { isValidName } from '../../git/store';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { parseSettings, type NamespaceSettingsStore } from '../../registry/namespace-settings';
import { requireAdmin } from '../authenticate';
import { methodNotAllowed } from '../method-not-allowed';

function namespace(raw: unknown): string {
  const ns = String(raw);
  if (!isValidName(ns)) throw new InvalidInputError('namespace', `"${ns.slice(0, 80)}" is not a valid namespace.`);
  return ns;
}

/** Reading settings is open; changing them takes the admin token. */
export function namespacesRouter({ settings, tokens }: { settings: NamespaceSettingsStore; tokens: AdminToken }): Router {
  const r = Router();
  r.route('/namespaces/:ns')
    .get(async (req, res) => {
      const ns = namespace(req.params.ns);
      res.json({ namespace: ns, settings: await settings.get(ns) });
    })
    .patch(async (req, _res, next) => { await requireAdmin(tokens, req); next(); }, json({ limit: '4kb', strict: true }), async (req, res) => {
      const ns = namespace(req.params.ns);
      res.json({ namespace: ns, settings: await settings.update(ns, parseSettings(req.body)) });
    })
    .all(methodNotAllowed('GET, HEAD, PATCH'));
  return r;
}
