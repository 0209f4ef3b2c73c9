// Scopes: what a token may do — read, write or admin — everywhere or in named namespaces.
import { InvalidInputError } from '../errors/invalid-input-error';

/** The right a scope grants; admin implies write implies read. */
export type Right = 'read' | 'write' | 'admin';

/** `write:acme` is { action: 'write', namespace: 'acme' }; `write` is { action: 'write', namespace: null } (everywhere). */
export interface Scope {
  readonly action: Right;
  readonly namespace: string | null;
}

const RANK: Readonly<Record<Right, number>> = { read: 0, write: 1, admin: 2 };
const SCOPE = /^(read|write|admin)(?::([a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?))?$/;

/** Parses `read`, `write:acme`, `admin`…; throws InvalidInputError naming the form. */
export function parseScope(text: string): Scope {
  const m = SCOPE.exec(text);
  if (!m || (m[2] ?? '').includes('..')) throw new InvalidInputError('scope', `"${text.slice(0, 80)}" is not a scope: use read, write or admin, alone (everywhere) or as write:<namespace>.`);
  return { action: m[1] as Right, namespace: m[2] ?? null };
}

/** The scope as text (`write:acme`). */
export function formatScope(s: Scope): string {
  return s.namespace === null ? s.action : `${s.action}:${s.namespace}`;
}

/**
 * True when `scopes` grant `right` in `namespace`: null asks for it everywhere (managing tokens),
 * '*' for it somewhere (a write whose namespace is not known yet).
 */
export function allows(scopes: readonly Scope[], right: Right, namespace: string | null | '*'): boolean {
  return scopes.some((s) => RANK[s.action] >= RANK[right] && (s.namespace === null || namespace === '*' || (namespace !== null && s.namespace === namespace)));
}
