// /api/v1/templates: list, create, show and delete templates.
import { Router, json, type Request } from 'express';
import type { Registry, TemplateDetail } from '../../registry/registry';
import type { Principal } from '../../auth/admin-token';
import type { Authenticator } from '../../auth/authenticator';
import type { AuditLog } from '../../audit/audit-log';
import { actorOf } from '../authenticate';
import { parseTemplateId } from '../../git/store';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { mayRead, requireReader, requireScope, requireWriter } from '../authenticate';
import type { NamespaceSettingsStore } from '../../registry/namespace-settings';
import { cloneUrl, templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

export interface TemplatesDeps {
  readonly registry: Registry;
  readonly settings: NamespaceSettingsStore;
  readonly audit: AuditLog;
  readonly tokens: Authenticator;
  readonly publicUrl: string;
}

const MAX_DESCRIPTION = 1024;

/** Routes for the template collection and single templates. */
export function templatesRouter({ registry, tokens, publicUrl, audit, settings }: TemplatesDeps): Router {
  const r = Router();
  const withUrl = (req: Request, t: TemplateDetail) => ({ ...t, cloneUrl: cloneUrl(publicUrl, req, t.id) });

  r.route('/templates').get(async (req, res) => {
    const limit = parseLimit(req.query.limit);
    const cursor = req.query.cursor;
    if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > 400)) throw new InvalidInputError('cursor', 'cursor must be the nextCursor value of a previous page.');
    // private namespaces the caller may not read are left out, as if they did not exist
    const readable = new Map<string, boolean>();
    const page = await registry.list(limit, cursor, async (ns) => {
      let ok = readable.get(ns);
      if (ok === undefined) { ok = await mayRead(tokens, settings, req, ns); readable.set(ns, ok); }
      return ok;
    });
    res.json({ items: page.items, nextCursor: page.nextCursor });
  }).post(async (req, res, next) => {
    res.locals.principal = await requireWriter(tokens, req, 'Bearer'); // before the body is read: strangers get 401, not a JSON error
    next();
  }, json({ limit: '64kb', strict: true }), async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('body', 'Send a JSON object {"namespace": "...", "name": "...", "description": "..."} with Content-Type application/json.');
    const { namespace, name, description } = body as Record<string, unknown>;
    if (typeof namespace !== 'string' || typeof name !== 'string') throw new InvalidInputError('body', 'namespace and name are required strings.');
    if (description !== undefined && (typeof description !== 'string' || description.length > MAX_DESCRIPTION || /[\x00-\x08\x0b-\x1f\x7f]/.test(description))) {
      throw new InvalidInputError('description', `description must be text of at most ${MAX_DESCRIPTION} characters without control characters.`);
    }
    const t = parseTemplateId(namespace, name);
    requireScope(res.locals.principal as Principal, 'write', t.namespace);
    const created = await registry.create(t, (description ?? '').trim());
    await audit.record({ action: 'template.create', actor: actorOf(req, res.locals.principal as Principal), template: t.id, ok: true });
    res.status(201).location(`/api/v1/templates/${t.id}`).json(withUrl(req, created));
  }).all(methodNotAllowed('GET, HEAD, POST'));

  r.route('/templates/:ns/:name').get(async (req, res) => {
    const t = templateParam(req);
    await requireReader(tokens, settings, req, t.namespace, `template ${t.id}`);
    res.json(withUrl(req, await registry.get(t)));
  }).delete(async (req, res) => {
    const who = await requireWriter(tokens, req, 'Bearer');
    const t = templateParam(req);
    requireScope(who, 'admin', t.namespace);
    await registry.remove(t);
    await audit.record({ action: 'template.delete', actor: actorOf(req, who), template: t.id, ok: true });
    res.status(204).end();
  }).all(methodNotAllowed('GET, HEAD, DELETE'));

  return r;
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return 50;
  if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) throw new InvalidInputError('limit', 'limit must be a whole number from 1 to 100.');
  return Number(raw);
}
