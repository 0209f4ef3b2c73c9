// Authentication for routes: who the caller is, and refusing writes without a valid token.
import type { Request } from 'express';
import type { Principal } from '../auth/admin-token';
import type { Authenticator } from '../auth/authenticator';
import { tokenFromHeader } from '../auth/credentials';
import { allows, formatScope, type Action } from '../auth/scopes';
import type { Actor } from '../audit/audit-log';
import { ForbiddenError, UnauthenticatedError } from '../errors/auth-error';
import { NotFoundError } from '../errors/not-found-error';
import type { NamespaceSettingsStore } from '../registry/namespace-settings';

/** Resolves the caller of a request that needs a token; throws 401 (no token), 403 (wrong token) or 429 (too many wrong ones). */
export async function requireWriter(tokens: Authenticator, req: Request, scheme: 'Basic' | 'Bearer'): Promise<Principal> {
  const token = tokenFromHeader(req.headers.authorization);
  if (token === undefined) {
    throw new UnauthenticatedError(scheme, scheme === 'Basic'
      ? 'Pushing needs a token: give any user name and the token as the password.'
      : 'This request needs a token: send "Authorization: Bearer <token>".');
  }
  const who = await tokens.verify(token, req.socket.remoteAddress ?? '');
  if (!who) throw new ForbiddenError('The token is not valid.');
  return who;
}

/** Throws ForbiddenError unless `who` may do `action` in `namespace` (null: everywhere, e.g. tokens). */
export function requireScope(who: Principal, action: Action, namespace: string | null): void {
  if (allows(who.scopes, action, namespace)) return;
  throw new ForbiddenError(`The token "${who.name}" (scopes: ${who.scopes.map(formatScope).join(', ')}) may not ${action === 'admin' ? 'administer' : action}${namespace === null ? ' the registry' : ` namespace ${namespace}`}.`);
}

/** Like requireWriter, and the caller must be an admin of `namespace` (null: of the whole registry). */
export async function requireAdmin(tokens: Authenticator, req: Request, namespace: string | null = null): Promise<Principal> {
  const who = await requireWriter(tokens, req, 'Bearer');
  requireScope(who, 'admin', namespace);
  return who;
}

/** The writer as the audit log and reflogs record it: the principal's name, the client's address. */
export function actorOf(req: Request, who: Principal): Actor {
  return { name: who.name, address: req.socket.remoteAddress ?? '' };
}

/** Whether the caller may see namespace `ns`: anyone when it is public, else a token with read on it. */
export async function mayRead(tokens: Authenticator, settings: NamespaceSettingsStore, req: Request, ns: string): Promise<boolean> {
  if (settings.peek(ns).anonymousRead) return true;
  const token = tokenFromHeader(req.headers.authorization);
  if (token === undefined) return false;
  const who = await tokens.verify(token, req.socket.remoteAddress ?? '');
  return who !== null && allows(who.scopes, 'read', ns);
}

/**
 * Throws NotFoundError, worded as for a template that does not exist, unless the caller may see
 * namespace `ns`: a private namespace is invisible to those who may not read it (404, not 403).
 */
export async function requireReader(tokens: Authenticator, settings: NamespaceSettingsStore, req: Request, ns: string, what: string): Promise<void> {
  if (!(await mayRead(tokens, settings, req, ns))) throw new NotFoundError('template-not-found', `There is no ${what}.`);
}
