// Route parameters shared by the routers: template ids and the clone URL.
import type { Request, RequestHandler } from 'express';
import { isValidName, parseTemplateId, type TemplateId } from '../git/store';
import { InvalidInputError } from '../errors/invalid-input-error';

/** The template named by `:ns/:name`; throws InvalidInputError. */
export function templateParam(req: Request): TemplateId {
  const { ns, name } = req.params as Record<string, string | undefined>;
  return parseTemplateId(ns ?? '', name ?? '');
}

/** The namespace named by `:ns`; throws InvalidInputError. */
export function namespaceParam(req: Request): string {
  const ns = String(req.params.ns);
  if (!isValidName(ns)) throw new InvalidInputError('namespace', `"${ns.slice(0, 80)}" is not a valid namespace.`);
  return ns;
}

/** The server's base URL for links it hands out: HEATER_PUBLIC_URL, or the scheme and Host of this request. */
export function baseUrl(publicUrl: string, req: Request): string {
  return publicUrl || `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** The URL of a file at a ref (what Heat is given as the template URL). */
export function fileUrl(publicUrl: string, req: Request, id: string, ref: string, file: string): string {
  return `${baseUrl(publicUrl, req)}/api/v1/templates/${id}/versions/${encodeURIComponent(ref)}/files/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** The git remote URL of a template. */
export function cloneUrl(publicUrl: string, req: Request, id: string): string {
  return `${baseUrl(publicUrl, req)}/${id}.git`;
}

/** One string query parameter, or undefined; a repeated one is a 400. */
export function singleQuery(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InvalidInputError(name, `Give ${name} once.`);
  return v;
}

/** A true/false query flag, false when absent; anything else (given twice, `yes`, `1`) is InvalidInputError. */
export function flagQuery(req: Request, name: string): boolean {
  const v = singleQuery(req, name);
  if (v !== undefined && v !== 'true' && v !== 'false') throw new InvalidInputError(name, `${name} must be true or false.`);
  return v === 'true';
}

/**
 * Throws InvalidInputError naming the first query parameter that is not in `known` or `repeatable`,
 * or one of `known` given more than once (those in `repeatable` may be).
 */
export function onlyParams(query: Readonly<Record<string, unknown>>, known: readonly string[], what: string, repeatable: readonly string[] = []): void {
  for (const [name, value] of Object.entries(query)) {
    if (repeatable.includes(name)) continue;
    if (!known.includes(name)) {
      const all = [...known, ...repeatable];
      throw new InvalidInputError(name, `"${name.slice(0, 60).replace(/[\x00-\x1f\x7f]/g, '?')}" is not a parameter of ${what}, which takes ${all.length > 0 ? all.join(', ') : 'none'}.`);
    }
    if (typeof value !== 'string') throw new InvalidInputError(name, `${name} may be given only once.`);
  }
}

/**
 * Middleware for a route that takes the query parameters `known` (each once) and `repeatable`, and no
 * others: an unknown one, or one of `known` given twice, is InvalidInputError (400) before the route
 * runs. Placed after the access check (a stranger learns only that a credential is needed) and
 * before any body parser (nothing is read for a request that is refused).
 */
export function takes(what: string, known: readonly string[] = [], repeatable: readonly string[] = []): RequestHandler {
  return (req, _res, next) => {
    onlyParams(req.query, known, what, repeatable);
    next();
  };
}
