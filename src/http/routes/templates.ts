// /api/v1/templates: list, create, show and delete templates.
import { Router, json, type Request } from 'express';
import type { Registry, TemplateDetail } from '../../registry/registry';
import type { WriteEvents } from '../../events/write-events';
import type { CatalogStore } from '../../catalog/catalog-store';
import { parseTemplateId } from '../../git/store';
import { InvalidInputError } from '../../errors/invalid-input-error';
import type { Access } from '../access';
import { cloneUrl, takes, templateParam } from '../params';
import { encodeCursor, parseListing, pickFields } from '../catalog-params';
import { methodNotAllowed } from '../method-not-allowed';
import { searchCatalog } from '../catalog-search';
import { sendJson } from '../json-response';
import type { CachedReads } from '../cached-reads';

export interface TemplatesDeps {
  readonly registry: Registry;
  readonly events: WriteEvents;
  readonly catalog: CatalogStore;
  readonly access: Access;
  readonly publicUrl: string;
  readonly cached: CachedReads;
}

const MAX_DESCRIPTION = 1024;

/** Routes for the template collection and single templates. */
export function templatesRouter({ registry, catalog, access, publicUrl, events, cached }: TemplatesDeps): Router {
  const r = Router();
  const withUrl = (req: Request, t: TemplateDetail) => ({ ...t, cloneUrl: cloneUrl(publicUrl, req, t.id) });

  r.route('/templates').get(access.allow('read', 'registry'), cached.catalog, async (req, res) => {
    const listing = parseListing(req.query);
    const { page, facets } = await searchCatalog(catalog, access, req, listing);
    sendJson(req, res, {
      items: page.items.map((e) => pickFields(e, listing.fields)),
      nextCursor: page.next ? encodeCursor(page.next, listing.query) : null,
      total: page.total,
      ...(facets ? { facets } : {}),
    });
  }).post(access.allow('write', 'anywhere'), takes('a template creation'), json({ limit: '64kb', strict: true }), async (req, res) => {
    // the credential is checked before the body is read (strangers get 401, not a JSON error), the namespace after
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('body', 'Send a JSON object {"namespace": "...", "name": "...", "description": "..."} with Content-Type application/json.');
    const { namespace, name, description } = body as Record<string, unknown>;
    if (typeof namespace !== 'string' || typeof name !== 'string') throw new InvalidInputError('body', 'namespace and name are required strings.');
    if (description !== undefined && (typeof description !== 'string' || description.length > MAX_DESCRIPTION || /[\x00-\x08\x0b-\x1f\x7f]/.test(description))) {
      throw new InvalidInputError('description', `description must be text of at most ${MAX_DESCRIPTION} characters without control characters.`);
    }
    const t = parseTemplateId(namespace, name);
    await access.authorize(req, 'rest', 'write', access.template(t));
    const created = await registry.create(t, (description ?? '').trim());
    await events.emit({ via: 'rest', refs: [], action: 'template.create', actor: access.actor(req), template: t, namespace: t.namespace, ok: true });
    res.status(201).location(`/api/v1/templates/${t.id}`).json(withUrl(req, created));
  }).all(methodNotAllowed('GET, HEAD, POST'));

  r.route('/templates/:ns/:name').get(access.allow('read', 'template'), takes('a template'), async (req, res) => {
    res.json(withUrl(req, await registry.get(templateParam(req))));
  }).delete(access.allow('admin', 'template'), takes('a template deletion'), async (req, res) => {
    const t = templateParam(req);
    await registry.remove(t);
    await events.emit({ via: 'rest', refs: [], action: 'template.delete', actor: access.actor(req), template: t, namespace: t.namespace, ok: true });
    res.status(204).end();
  }).all(methodNotAllowed('GET, HEAD, DELETE'));

  return r;
}
