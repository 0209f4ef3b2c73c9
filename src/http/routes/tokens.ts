// /api/v1/tokens (admin): create, list, revoke tokens; /api/v1/whoami: who a token is.
import { Router, json } from 'express';
import type { Authenticator } from '../../auth/authenticator';
import { tokenEntry, type AuditLog } from '../../audit/audit-log';
import { parseExpiry } from '../../auth/token-store';
import { formatScope } from '../../auth/scopes';
import { tokenFromHeader } from '../../auth/credentials';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { ForbiddenError } from '../../errors/auth-error';
import { actorOf, requireAdmin } from '../authenticate';
import { methodNotAllowed } from '../method-not-allowed';
import type { Principal } from '../../auth/admin-token';

/** Token management for admins, and whoami for anyone. */
export function tokensRouter({ tokens, audit }: { tokens: Authenticator; audit: AuditLog }): Router {
  const r = Router();
  r.route('/tokens')
    .get(async (req, res) => {
      await requireAdmin(tokens, req);
      res.json({ tokens: await tokens.store.list() });
    })
    .post(async (req, res, next) => { res.locals.principal = await requireAdmin(tokens, req); next(); }, json({ limit: '8kb', strict: true }), async (req, res) => {
      const b: unknown = req.body;
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InvalidInputError('body', 'Send {"name": "ci", "scopes": ["write:acme"], "expires": "90d"}.');
      const { name, scopes, expires } = b as Record<string, unknown>;
      if (typeof name !== 'string') throw new InvalidInputError('name', '"name" is required.');
      if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new InvalidInputError('scopes', '"scopes" must be a list such as ["write:acme"].');
      if (expires !== undefined && typeof expires !== 'string') throw new InvalidInputError('expires', '"expires" must be like "90d" or an ISO date.');
      const made = await tokens.store.create(name, scopes as string[], expires === undefined ? null : parseExpiry(expires));
      await audit.record(tokenEntry('token.create', actorOf(req, res.locals.principal as Principal), made.info));
      res.status(201).json({ ...made.info, token: made.token });
    })
    .all(methodNotAllowed('GET, HEAD, POST'));

  r.route('/tokens/:id')
    .delete(async (req, res) => {
      const who = await requireAdmin(tokens, req);
      const gone = await tokens.store.revoke(String(req.params.id));
      await audit.record(tokenEntry('token.revoke', actorOf(req, who), gone));
      res.status(204).end();
    })
    .all(methodNotAllowed('DELETE'));

  r.route('/whoami')
    .get(async (req, res) => {
      const token = tokenFromHeader(req.headers.authorization);
      if (token === undefined) { res.json({ anonymous: true, name: null, scopes: [] }); return; }
      const who = await tokens.verify(token, req.socket.remoteAddress ?? '');
      if (!who) throw new ForbiddenError('The token is not valid.');
      res.json({ anonymous: false, name: who.name, admin: who.admin, scopes: who.scopes.map(formatScope) });
    })
    .all(methodNotAllowed('GET, HEAD'));
  return r;
}
