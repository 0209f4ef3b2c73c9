// Read links: POST/DELETE /api/v1/templates/:ns/:name/links (for those who may read the template), POST /api/v1/links/rotate-secret (admins).
import { Router, json } from 'express';
import type { WriteEvents } from '../../events/write-events';
import { MAX_LINK_LIFETIME_MS, ReadLinks } from '../../auth/read-links';
import { parseExpiry } from '../../auth/token-store';
import { InvalidInputError } from '../../errors/invalid-input-error';
import type { Registry } from '../../registry/registry';
import type { Access } from '../access';
import { baseUrl, templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

export interface LinksDeps {
  readonly registry: Registry;
  readonly links: ReadLinks;
  readonly access: Access;
  readonly events: WriteEvents;
  readonly publicUrl: string;
}

const DEFAULT_EXPIRY = '7d';

/** The body of a link request: `{version?, expires?}`, nothing else. */
function linkRequest(body: unknown): { version: string | undefined; expires: Date } {
  const b = body ?? {};
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InvalidInputError('body', 'Send a JSON object such as {"version": "1.2.0", "expires": "24h"}, or nothing.');
  const { version, expires, ...rest } = b as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new InvalidInputError(unknown, `"${unknown.slice(0, 50)}" is not part of a link request; give "version" and "expires".`);
  if (version !== undefined && (typeof version !== 'string' || version === '')) throw new InvalidInputError('version', '"version" must be a version, or a ref that resolves to one (1.2.0, latest, ^1.2, a label).');
  if (expires !== undefined && typeof expires !== 'string') throw new InvalidInputError('expires', '"expires" must be like "24h", "7d" or an ISO date.');
  const at = parseExpiry(expires ?? DEFAULT_EXPIRY);
  if (at.getTime() > Date.now() + MAX_LINK_LIFETIME_MS) throw new InvalidInputError('expires', `A link lives at most ${MAX_LINK_LIFETIME_MS / 86_400_000} days; ask for a new one when it runs out.`);
  return { version, expires: at };
}

/** Routes that hand out, revoke and invalidate read links. */
export function linksRouter({ registry, links, access, events, publicUrl }: LinksDeps): Router {
  const r = Router();

  r.route('/templates/:ns/:name/links')
    .post(access.allow('share', 'template'), json({ limit: '4kb', strict: true }), async (req, res) => {
      const t = templateParam(req);
      const ask = linkRequest(req.body);
      let version: string | null = null;
      let entrypoint = '';
      if (ask.version === undefined) {
        await registry.snapshot(t); // the template must exist
      } else {
        const { gitDir, resolution } = await registry.resolve(t, ask.version);
        if (!resolution.version) throw new InvalidInputError('version', `"${ask.version.slice(0, 100)}" resolves to commit ${resolution.commit.slice(0, 12)}, which is no version; a link is for a version or for the whole template.`);
        version = resolution.version.version;
        entrypoint = (await registry.facts(gitDir, resolution)).entrypoint;
      }
      const { id, token } = await links.sign(t.id, version, ask.expires);
      const prefix = `${baseUrl(publicUrl, req)}/l/${token}`;
      const api = `${prefix}/api/v1/templates/${t.id}`;
      const files = entrypoint.split('/').map(encodeURIComponent).join('/');
      const expires = ask.expires.toISOString();
      await events.emit({ via: 'rest', refs: [], action: 'link.create', actor: access.actor(req), template: t, namespace: t.namespace, ok: true, detail: `link ${id} to ${version === null ? 'every version' : `version ${version}`} until ${expires}` });
      res.setHeader('Cache-Control', 'no-store'); // the answer is a credential
      res.status(201).json({
        id, template: t.id, version, expires, prefix,
        url: version === null ? api : `${api}/versions/${version}/files/${files}`,
        cloneUrl: version === null ? `${prefix}/${t.id}.git` : null,
      });
    })
    .all(methodNotAllowed('POST'));

  r.route('/templates/:ns/:name/links/:id')
    .delete(access.allow('share', 'template'), async (req, res) => {
      const t = templateParam(req);
      const id = String(req.params.id);
      if (!ReadLinks.isId(id)) throw new InvalidInputError('id', 'A link id is the 24 hexadecimal digits the link was created with.');
      await links.revoke(t.id, id);
      await events.emit({ via: 'rest', refs: [], action: 'link.revoke', actor: access.actor(req), template: t, namespace: t.namespace, ok: true, detail: `link ${id}` });
      res.status(204).end();
    })
    .all(methodNotAllowed('DELETE'));

  r.route('/links/rotate-secret')
    .post(access.allow('admin', 'registry'), async (req, res) => {
      await links.rotate();
      await events.emit({ via: 'rest', refs: [], action: 'link.rotate-secret', actor: access.actor(req), ok: true, detail: 'every read link signed so far is revoked' });
      res.status(204).end();
    })
    .all(methodNotAllowed('POST'));
  return r;
}
