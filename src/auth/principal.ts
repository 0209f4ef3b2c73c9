// Principals: who a request acts for — nobody, a token holder, or a signed read link to one template.
import type { Scope } from './scopes';

/** No credential was presented. */
export interface AnonymousPrincipal {
  readonly kind: 'anonymous';
  readonly name: 'anonymous';
}

/** A valid token (the admin token included): what its scopes allow. */
export interface TokenPrincipal {
  readonly kind: 'token';
  readonly name: string;
  readonly scopes: readonly Scope[];
}

/** A valid read link: reading one template, or one version of it, until it expires. */
export interface LinkPrincipal {
  readonly kind: 'link';
  /** `link:<id>`, as the audit log and reflogs name it. */
  readonly name: string;
  readonly id: string;
  /** "namespace/name" */
  readonly template: string;
  /** The normalised version it is limited to, or null for every version of the template. */
  readonly version: string | null;
  readonly expires: Date;
}

/** Who is making a request. */
export type Principal = AnonymousPrincipal | TokenPrincipal | LinkPrincipal;

export const ANONYMOUS: AnonymousPrincipal = Object.freeze({ kind: 'anonymous', name: 'anonymous' });
