// Access, decided in one place: can(principal, action, target) for every REST route and git route.
import type { Principal } from './principal';
import { allows, formatScope, type Right } from './scopes';
import { ForbiddenError, UnauthenticatedError } from '../errors/auth-error';
import { NotFoundError } from '../errors/not-found-error';

/** What a route does: read, make or revoke a read link (share), write, or administer. */
export type Action = 'read' | 'share' | 'write' | 'admin';

/** One template, as far as access goes. */
export interface TemplateTarget {
  readonly kind: 'template';
  readonly namespace: string;
  readonly name: string;
  /** The namespace's setting: readable without a token. */
  readonly anonymousRead: boolean;
  /**
   * What of it the request reads: the normalised version when the route reads one exact version
   * (`…/versions/v1.2.0/files/…`), null when it reads by another kind of ref (a range, a label,
   * `latest`, a commit), absent when it is about the whole template (its versions, a diff, git).
   */
  readonly version?: string | null;
}

/** What a request acts on. `anywhere` asks whether the action is possible at all, before a body names the namespace. */
export type Target =
  | TemplateTarget
  | { readonly kind: 'namespace'; readonly namespace: string; readonly anonymousRead: boolean }
  | { readonly kind: 'registry' }
  | { readonly kind: 'anywhere' };

/**
 * The verdict. A denial is `unauthenticated` (a credential would help), `forbidden` (this one may
 * not), or `hidden`: the target is in a private namespace the principal may not read, so it is
 * answered as if it did not exist.
 */
export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly denial: 'unauthenticated' | 'forbidden' | 'hidden'; readonly reason: string };

/** The protocol a request arrived by: it decides how a denial is put to the client. */
export type Protocol = 'git' | 'rest';

const ALLOWED: Decision = Object.freeze({ allowed: true });
const deny = (denial: 'unauthenticated' | 'forbidden' | 'hidden', reason: string): Decision => ({ allowed: false, denial, reason });

const VERB: Readonly<Record<Action, string>> = { read: 'read', share: 'share', write: 'write', admin: 'administer' };
const NEEDS: Readonly<Record<Action, string>> = { read: 'Reading', share: 'Making a read link', write: 'Writing', admin: 'This' };

function namespaceOf(t: Target): string | null | '*' {
  if (t.kind === 'template' || t.kind === 'namespace') return t.namespace;
  return t.kind === 'registry' ? null : '*';
}

function describe(t: Target): string {
  if (t.kind === 'template' || t.kind === 'namespace') return `namespace ${t.namespace}`;
  return t.kind === 'registry' ? 'the registry' : 'anywhere';
}

/** The denial of a private target to one who may not read it: worded exactly as for something that does not exist (src/git/store.ts). */
function hidden(t: Target): Decision | null {
  if (t.kind === 'template' && !t.anonymousRead) return deny('hidden', `There is no template ${t.namespace}/${t.name}. Create it with POST /api/v1/templates or by pushing to it.`);
  if (t.kind === 'namespace' && !t.anonymousRead) return deny('hidden', `There is no namespace ${t.namespace}.`);
  return null;
}

/** Whether `p` may do `action` on `target`. Pure and synchronous: cheap enough to ask on every request. */
export function can(p: Principal, action: Action, target: Target): Decision {
  if (p.kind === 'link') return linkCan(p, action, target);
  if (action === 'read') {
    const ns = namespaceOf(target);
    if (ns === null || ns === '*' || (p.kind === 'token' && allows(p.scopes, 'read', ns))) return ALLOWED;
    return hidden(target) ?? ALLOWED; // public: anyone reads
  }
  if (p.kind === 'anonymous') return deny('unauthenticated', `${NEEDS[action]} needs a token${action === 'admin' ? ' with admin rights' : ''}`);
  if (action === 'share') return can(p, 'read', target); // a token holder may share what they may read
  const right: Right = action;
  if (allows(p.scopes, right, namespaceOf(target))) return ALLOWED;
  return deny('forbidden', `The token "${p.name}" (scopes: ${p.scopes.map(formatScope).join(', ')}) may not ${VERB[action]} ${describe(target)}.`);
}

function linkCan(p: Extract<Principal, { kind: 'link' }>, action: Action, target: Target): Decision {
  if (action !== 'read') return deny('forbidden', `A read link can only read; to ${VERB[action]}, use a token.`);
  if (target.kind !== 'template' || `${target.namespace}/${target.name}` !== p.template) return hidden(target) ?? deny('forbidden', `This link is for ${p.template} only.`);
  if (p.version !== null && target.version !== p.version) {
    return deny('forbidden', `This link is for version ${p.version} of ${p.template} only: read that version, by its number.`);
  }
  return ALLOWED;
}

/** Which audit entries a principal may read: all of them, those of some namespaces, or none. */
export type AuditReach = { readonly all: true } | { readonly all: false; readonly namespaces: readonly string[] } | null;

/**
 * What of the audit `p` may read: every entry with admin everywhere (a registry admin), the
 * entries of the namespaces it administers with `admin:<ns>` scopes, else nothing (null).
 * Registry-wide entries (tokens, the link secret) belong to no namespace: registry admins only.
 */
export function auditReach(p: Principal): AuditReach {
  if (p.kind !== 'token') return null;
  if (allows(p.scopes, 'admin', null)) return { all: true };
  const namespaces = [...new Set(p.scopes.flatMap((s) => (s.action === 'admin' && s.namespace !== null ? [s.namespace] : [])))];
  return namespaces.length > 0 ? { all: false, namespaces } : null;
}

/**
 * Throws the error of a denial: UnauthenticatedError (401 with a challenge for the protocol),
 * ForbiddenError (403), or NotFoundError (404, `template-not-found` or `namespace-not-found`) for a
 * hidden target. Over git an anonymous caller is challenged instead of told "not found": git sends
 * credentials only after a 401 (remote-curl.c), whether the template exists or not.
 */
export function authorize(p: Principal, action: Action, target: Target, protocol: Protocol): void {
  const d = can(p, action, target);
  if (d.allowed) return;
  const scheme = protocol === 'git' ? 'Basic' : 'Bearer';
  const how = protocol === 'git' ? 'give any user name and the token as the password' : 'send "Authorization: Bearer <token>"';
  if (d.denial === 'unauthenticated') throw new UnauthenticatedError(scheme, `${d.reason}: ${how}.`);
  if (d.denial === 'forbidden') throw new ForbiddenError(d.reason);
  if (protocol === 'git' && p.kind === 'anonymous') throw new UnauthenticatedError(scheme, 'This namespace is private: give any user name and a token with read on it as the password.');
  throw new NotFoundError(target.kind === 'namespace' ? 'namespace-not-found' : 'template-not-found', d.reason);
}
