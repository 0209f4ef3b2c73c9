// /api/v1/tokens (admin): create, list, revoke tokens; /api/v1/whoami: who a token is.
import { Router, json } from 'express';
import type { TokenStore } from '../../auth/token-store';
import type { WriteEvents } from '../../events/write-events';
import { tokenEntry } from '../../audit/audit-log';
import { parseExpiry } from '../../auth/token-store';
import { allows, formatScope } from '../../auth/scopes';
import { InvalidInputError } from '../../errors/invalid-input-error';
import type { Access } from '../access';
import { methodNotAllowed } from '../method-not-allowed';
import { onlyParams, takes } from '../params';

/** Token management for admins, and whoami for anyone. */
export function tokensRouter({ tokenStore, access, events }: { tokenStore: TokenStore; access: Access; events: WriteEvents }): Router {
  const r = Router();
  const admin = access.allow('admin', 'registry');
  r.route('/tokens')
    .get(admin, takes('the token list'), async (_req, res) => {
      res.json({ tokens: await tokenStore.list() });
    })
    .post(admin, takes('a token creation'), json({ limit: '8kb', strict: true }), async (req, res) => {
      const b: unknown = req.body;
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InvalidInputError('body', 'Send {"name": "ci", "scopes": ["write:acme"], "expires": "90d"}.');
      const { name, scopes, expires } = b as Record<string, unknown>;
      if (typeof name !== 'string') throw new InvalidInputError('name', '"name" is required.');
      if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw new InvalidInputError('scopes', '"scopes" must be a list such as ["write:acme"].');
      if (expires !== undefined && typeof expires !== 'string') throw new InvalidInputError('expires', '"expires" must be like "90d" or an ISO date.');
      const made = await tokenStore.create(name, scopes as string[], expires === undefined ? null : parseExpiry(expires));
      await events.emit({ ...tokenEntry('token.create', made.info), actor: access.actor(req), via: 'rest', refs: [] });
      res.status(201).json({ ...made.info, token: made.token });
    })
    .all(methodNotAllowed('GET, HEAD, POST'));

  r.route('/tokens/:id')
    .delete(admin, takes('a token revocation'), async (req, res) => {
      const gone = await tokenStore.revoke(String(req.params.id));
      await events.emit({ ...tokenEntry('token.revoke', gone), actor: access.actor(req), via: 'rest', refs: [] });
      res.status(204).end();
    })
    .all(methodNotAllowed('DELETE'));

  r.route('/whoami')
    .get(async (req, res) => {
      const { principal: who } = await access.caller(req, 'rest'); // anyone may ask who they are: authentication only
      onlyParams(req.query, [], 'whoami'); // after the credential, as on every route
      if (who.kind === 'anonymous') { res.json({ anonymous: true, name: null, scopes: [] }); return; }
      if (who.kind === 'token') { res.json({ anonymous: false, name: who.name, admin: allows(who.scopes, 'admin', null), scopes: who.scopes.map(formatScope) }); return; }
      res.json({ anonymous: false, name: who.name, admin: false, scopes: [], link: { template: who.template, version: who.version, expires: who.expires.toISOString() } });
    })
    .all(methodNotAllowed('GET, HEAD'));
  return r;
}
