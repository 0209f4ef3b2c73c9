// Read links: POST/DELETE /api/v1/templates/:ns/:name/links (for those who may read the template), POST /api/v1/links/rotate-secret (admins).
import { Router, json } from 'express';
import { ReadLinks } from '../../auth/read-links';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { takes, templateParam } from '../params';
import { linkRequest, makeReadLink, type ReadLinkDeps } from '../read-link';
import { methodNotAllowed } from '../method-not-allowed';

export type LinksDeps = ReadLinkDeps;

/** Routes that hand out, revoke and invalidate read links. */
export function linksRouter(deps: LinksDeps): Router {
  const { links, access, events } = deps;
  const r = Router();

  r.route('/templates/:ns/:name/links')
    .post(access.allow('share', 'template'), takes('a link creation'), json({ limit: '4kb', strict: true }), async (req, res) => {
      const t = templateParam(req);
      const ask = linkRequest(req.body);
      const link = await makeReadLink(deps, req, t, ask);
      res.setHeader('Cache-Control', 'no-store'); // the answer is a credential
      res.status(201).json(link);
    })
    .all(methodNotAllowed('POST'));

  r.route('/templates/:ns/:name/links/:id')
    .delete(access.allow('share', 'template'), takes('a link revocation'), async (req, res) => {
      const t = templateParam(req);
      const id = String(req.params.id);
      if (!ReadLinks.isId(id)) throw new InvalidInputError('id', 'A link id is the 24 hexadecimal digits the link was created with.');
      await links.revoke(t.id, id);
      await events.emit({ via: 'rest', refs: [], action: 'link.revoke', actor: access.actor(req), template: t, namespace: t.namespace, ok: true, detail: `link ${id}` });
      res.status(204).end();
    })
    .all(methodNotAllowed('DELETE'));

  r.route('/links/rotate-secret')
    .post(access.allow('admin', 'registry'), takes('a secret rotation'), async (req, res) => {
      await links.rotate();
      await events.emit({ via: 'rest', refs: [], action: 'link.rotate-secret', actor: access.actor(req), ok: true, detail: 'every read link signed so far is revoked' });
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));
  return r;
}
