// Scopes: what a token may do — read, write or admin — everywhere or in named namespaces.
import { InvalidInputError } from '../errors/invalid-input-error';

export type Action = 'read' | 'write' | 'admin';

/** `write:acme` is { action: 'write', namespace: 'acme' }; `write` is { action: 'write', namespace: null } (everywhere). */
export interface Scope {
  readonly action: Action;
  readonly namespace: string | null;
}

const RANK: Readonly<Record<Action, number>> = { read: 0, write: 1, admin: 2 };
const SCOPE = /^(read|write|admin)(?::([a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?))?$/;

/** Parses `read`, `write:acme`, `admin`…; throws InvalidInputError naming the form. */
export function parseScope(text: string): Scope {
  const m = SCOPE.exec(text);
  if (!m || (m[2] ?? '').includes('..')) throw new InvalidInputError('scope', `"${text.slice(0, 80)}" is not a scope: use read, write or admin, alone (everywhere) or as write:<namespace>.`);
  return { action: m[1] as Action, namespace: m[2] ?? null };
}

/** The scope as text (`write:acme`). */
export function formatScope(s: Scope): string {
  return s.namespace === null ? s.action : `${s.action}:${s.namespace}`;
}

/** True when `scopes` allow `action` in `namespace` (null: something global, such as managing tokens); admin implies write implies read. */
export function allows(scopes: readonly Scope[], action: Action, namespace: string | null): boolean {
  return scopes.some((s) => RANK[s.action] >= RANK[action] && (s.namespace === null || (namespace !== null && s.namespace === namespace)));
}
