// /api/v1/audit: the audit log from the index, for registry admins (everything) and namespace admins (their namespaces).
import { Router } from 'express';
import type { CatalogStore } from '../../catalog/catalog-store';
import { auditReach } from '../../auth/policy';
import { ForbiddenError } from '../../errors/auth-error';
import type { Access } from '../access';
import { encodeAuditCursor, parseAuditQuery } from '../audit-params';
import { methodNotAllowed } from '../method-not-allowed';

/**
 * The audit route; reads the index once `auditCaughtUp` has taken into it what the log file has
 * beyond it (an audited write only appends to the file before it answers), so a write is seen by
 * the next audit read, whoever wrote it (the server or the CLI).
 */
export function auditRouter({ catalog, access, auditCaughtUp }: { catalog: CatalogStore; access: Access; auditCaughtUp: () => Promise<unknown> }): Router {
  const r = Router();
  // admin somewhere is needed to get in (401 without a token, 403 without admin); what is seen is the caller's reach
  r.route('/audit').get(access.allow('admin', 'anywhere'), async (req, res) => {
    const reach = auditReach(access.callerOf(req).principal);
    if (!reach) throw new ForbiddenError('Reading the audit needs admin rights, everywhere or on a namespace.');
    const { filter, before } = parseAuditQuery(req.query);
    await auditCaughtUp();
    const page = await catalog.audit({ ...filter, namespaces: reach.all ? null : reach.namespaces, ...(before === undefined ? {} : { before }) });
    const last = page.items[page.items.length - 1];
    res.json({ items: page.items.map((i) => i.entry), nextCursor: page.more && last ? encodeAuditCursor(last.seq, filter) : null });
  }).all(methodNotAllowed('GET, HEAD'));
  return r;
}
