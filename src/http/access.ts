// Access for HTTP: who the caller is (authenticated once per request), and each route's declared action put to can().
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { Authenticator } from '../auth/authenticator';
import type { Principal } from '../auth/principal';
import { authorize, can, type Action, type Protocol, type Target, type TemplateTarget } from '../auth/policy';
import type { Actor } from '../audit/audit-log';
import type { TemplateId } from '../git/store';
import type { NamespaceSettingsStore } from '../registry/namespace-settings';
import { versionOfTag } from '../registry/versions';
import type { ClientAddress } from './client-address';
import type { Audience } from './file-response';
import { namespaceParam, templateParam } from './params';
import { presentedLink } from './link-prefix';

/** The caller of a request: the principal its credentials name, and the client address (behind trusted proxies). */
export interface Caller {
  readonly principal: Principal;
  readonly address: string;
}

/** What a route acts on, read from its parameters: a template, one version of it (`:ref`), a namespace, the registry, or anywhere. */
export type TargetParam = 'template' | 'version' | 'namespace' | 'registry' | 'anywhere';

/** True when a request presents a credential (a header or a read link), which only the full routes check (answers from memory go to anonymous requests only). */
export function presentsCredential(req: IncomingMessage): boolean {
  return req.headers.authorization !== undefined || presentedLink(req) !== undefined;
}

/** Access decisions for the routers: every one goes through can() in src/auth/policy.ts. */
export class Access {
  private readonly callers = new WeakMap<IncomingMessage, Promise<Caller>>();
  private readonly allowed = new WeakMap<IncomingMessage, { caller: Caller; target: Target }>();

  constructor(private readonly auth: Authenticator, private readonly settings: NamespaceSettingsStore, private readonly addresses: ClientAddress) {}

  /** The caller, authenticated once per request; throws 401 for a credential that is not valid, 429 (see Authenticator). */
  caller(req: IncomingMessage, protocol: Protocol): Promise<Caller> {
    let c = this.callers.get(req);
    if (!c) {
      const address = this.addresses.of(req);
      c = this.auth.authenticate(req.headers.authorization, presentedLink(req), address, protocol).then((principal) => ({ principal, address }));
      this.callers.set(req, c);
    }
    return c;
  }

  /** The target for a template; `version` as TemplateTarget describes it. */
  template(t: TemplateId, version?: string | null): TemplateTarget {
    return { kind: 'template', namespace: t.namespace, name: t.name, anonymousRead: this.settings.peek(t.namespace).anonymousRead, ...(version === undefined ? {} : { version }) };
  }

  /** The target for a namespace (validated name). */
  namespace(ns: string): Target {
    return { kind: 'namespace', namespace: ns, anonymousRead: this.settings.peek(ns).anonymousRead };
  }

  /** Authenticates and authorizes; returns the caller or throws the denial's error (see authorize in policy.ts). */
  async authorize(req: IncomingMessage, protocol: Protocol, action: Action, target: Target): Promise<Caller> {
    const caller = await this.caller(req, protocol);
    authorize(caller.principal, action, target, protocol);
    this.allowed.set(req, { caller, target });
    return caller;
  }

  /** A REST route's declaration of what it does, as the first handler: nobody else gets a body read or a parameter looked up. */
  allow(action: Action, on: TargetParam): RequestHandler {
    return async (req, res, next) => {
      await this.authorize(req, 'rest', action, this.targetOf(req, on));
      // the API's default (revalidate every time) kept to the client's own cache when the answer is not for everyone
      if (res.getHeader('Cache-Control') === 'no-cache' && this.audience(req) === 'private') res.setHeader('Cache-Control', 'private, no-cache');
      next();
    };
  }

  private targetOf(req: Request, on: TargetParam): Target {
    if (on === 'registry' || on === 'anywhere') return { kind: on };
    if (on === 'namespace') return this.namespace(namespaceParam(req));
    if (on === 'template') return this.template(templateParam(req));
    return this.template(templateParam(req), versionOfTag(String(req.params.ref)));
  }

  /** The caller a route's allow() (or authorize()) let through. */
  callerOf(req: IncomingMessage): Caller {
    return this.checked(req).caller;
  }

  /**
   * Who may keep a copy of the answer: `private` (the client's cache only) for what a private
   * namespace or a read link let through, so no shared cache serves it to others, or after the
   * link expired or was revoked, and for a registry-wide answer to a token (a listing holds what
   * that token may read); `public` otherwise.
   */
  audience(req: IncomingMessage): Audience {
    const { caller, target } = this.checked(req);
    const hidden = (target.kind === 'template' || target.kind === 'namespace') && !target.anonymousRead;
    const personal = (target.kind === 'registry' || target.kind === 'anywhere') && caller.principal.kind !== 'anonymous';
    return hidden || personal || caller.principal.kind === 'link' ? 'private' : 'public';
  }

  private checked(req: IncomingMessage): { caller: Caller; target: Target } {
    const c = this.allowed.get(req);
    if (!c) throw new Error('access was not checked for this request'); // a route without allow(): a bug, answered 500
    return c;
  }

  /** The writer as the audit log and reflogs record it: the principal's name, the client's address. */
  actor(req: IncomingMessage): Actor {
    const { principal, address } = this.callerOf(req);
    return { name: principal.name, address };
  }

  /** Whether the (already authorized) caller may see namespace `ns`: listings leave out what it may not. */
  mayRead(req: IncomingMessage, ns: string): boolean {
    return can(this.callerOf(req).principal, 'read', this.namespace(ns)).allowed;
  }

  /** Whether the (already authorized) caller may also do `action` on `target`: what a page offers (a read-link button) follows can(). */
  may(req: IncomingMessage, action: Action, target: Target): boolean {
    return can(this.callerOf(req).principal, action, target).allowed;
  }

  /** The namespaces of `names` the caller may read: mayRead() of each, their settings read at once. */
  readable(req: IncomingMessage, names: readonly string[]): string[] {
    const principal = this.callerOf(req).principal;
    const settings = this.settings.peekMany(names);
    return names.filter((ns) => can(principal, 'read', { kind: 'namespace', namespace: ns, anonymousRead: settings.get(ns)?.anonymousRead ?? this.settings.peek(ns).anonymousRead }).allowed);
  }
}
