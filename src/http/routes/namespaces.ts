// /api/v1/namespaces/:ns: per-namespace settings (the semver policy).
import { Router, json } from 'express';
import type { Principal } from '../../auth/admin-token';
import type { Authenticator } from '../../auth/authenticator';
import type { AuditLog } from '../../audit/audit-log';
import { isValidName } from '../../git/store';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { parseSettings, type NamespaceSettingsStore } from '../../registry/namespace-settings';
import { actorOf, requireAdmin, requireReader } from '../authenticate';
import { methodNotAllowed } from '../method-not-allowed';

function namespace(raw: unknown): string {
  const ns = String(raw);
  if (!isValidName(ns)) throw new InvalidInputError('namespace', `"${ns.slice(0, 80)}" is not a valid namespace.`);
  return ns;
}

/** Reading settings is open; changing them takes the admin token. */
export function namespacesRouter({ settings, tokens, audit }: { settings: NamespaceSettingsStore; tokens: Authenticator; audit: AuditLog }): Router {
  const r = Router();
  r.route('/namespaces/:ns')
    .get(async (req, res) => {
      const ns = namespace(req.params.ns);
      await requireReader(tokens, settings, req, ns, `namespace ${ns}`);
      res.json({ namespace: ns, settings: await settings.get(ns) });
    })
    .patch(async (req, res, next) => { res.locals.principal = await requireAdmin(tokens, req, namespace(req.params.ns)); next(); }, json({ limit: '4kb', strict: true }), async (req, res) => {
      const ns = namespace(req.params.ns);
      const change = parseSettings(req.body);
      const next = await settings.update(ns, change);
      await audit.record({ action: 'namespace.update', actor: actorOf(req, res.locals.principal as Principal), namespace: ns, ok: true, detail: JSON.stringify(change) });
      res.json({ namespace: ns, settings: next });
    })
    .all(methodNotAllowed('GET, HEAD, PATCH'));
  return r;
}
