// The git remote: /<namespace>/<name>.git/{info/refs, git-upload-pack, git-receive-pack}.
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { parseTemplateId, type RepoStore, type TemplateId } from '../../git/store';
import { advertise, isService, rpc, SERVICES, type Service } from '../../git/smart-http';
import type { PushSessions } from '../../git/hooks/sessions';
import { installHooks } from '../../git/hooks/install';
import type { Registry } from '../../registry/registry';
import type { AdminToken, Principal } from '../../auth/admin-token';
import type { Logger } from '../../log/logger';
import { ConflictError } from '../../errors/conflict-error';
import { ForbiddenError } from '../../errors/auth-error';
import { NotFoundError } from '../../errors/not-found-error';
import { requireWriter } from '../authenticate';
import { sendProblem } from '../problem';

/** What the pre-receive hook needs to know about the push it is checking. */
export interface PushContext {
  readonly template: TemplateId;
  readonly gitDir: string;
  readonly principal: Principal;
}

export interface GitDeps {
  readonly store: RepoStore;
  readonly registry: Registry;
  readonly tokens: AdminToken;
  readonly sessions: PushSessions<PushContext>;
  readonly log: Logger;
  readonly maxNegotiationBytes: number;
  /** Where the hook reaches this server: host and port of the listening socket. */
  readonly hookAddress: () => { host: string; port: number };
}

// Matched on the raw path, before any decoding: "%2e%2e" or "%2f" never becomes a path part.
const GIT_PATH = /^\/([^/]+)\/([^/]+)\.git(\/.*)?$/;

/** Middleware serving git's smart HTTP protocol; other paths pass through. */
export function gitRouter(deps: GitDeps): RequestHandler {
  const { store, registry, tokens, sessions, log } = deps;
  const emptyRepo = `${store.stateDir}/empty.git`;

  return (req: Request, res: Response, next: NextFunction) => {
    const rawPath = req.url.split('?')[0] ?? '';
    const m = GIT_PATH.exec(rawPath);
    if (!m) { next(); return; }
    handle(req, res, m[1] ?? '', m[2] ?? '', m[3] ?? '').catch(next);
  };

  async function handle(req: Request, res: Response, ns: string, name: string, rest: string): Promise<void> {
    const t = parseTemplateId(ns, name);
    let service: Service;
    if (rest === '/info/refs') {
      if (req.method !== 'GET' && req.method !== 'HEAD') { methodNotAllowed(res, 'GET, HEAD'); return; }
      const s = req.query.service;
      if (!isService(s)) throw new ForbiddenError('Heater serves git over the smart HTTP protocol only; use git 1.6.6 or newer (the dumb protocol is off).');
      service = s;
    } else if (rest === '/git-upload-pack' || rest === '/git-receive-pack') {
      if (req.method !== 'POST') { methodNotAllowed(res, 'POST'); return; }
      service = rest.slice(1) as Service;
    } else {
      throw new NotFoundError('route-not-found', `${rest || '/'} is not part of git's smart HTTP protocol; clone ${t.id}.git with git.`);
    }

    const principal = SERVICES[service].write ? await requireWriter(tokens, req, 'Basic') : undefined;
    const gitDir = store.gitDir(t);
    const exists = await store.exists(t);
    const env = { GIT_HTTP_EXPORT_ALL: '1', ...(principal ? { GIT_COMMITTER_NAME: principal.name, GIT_COMMITTER_EMAIL: `${principal.name}@heater.${req.socket.remoteAddress ?? 'local'}` } : {}) };
    const logChild = (msg: string) => log.warn(`${t.id}: ${msg}`);

    if (!exists && !principal) throw new NotFoundError('template-not-found', `There is no template ${t.id}.`);
    if (rest === '/info/refs') {
      // push-to-create: an empty repository's advertisement, as Gitea does; the repo is made at the POST
      advertise(exists ? gitDir : emptyRepo, service, req, res, { env, log: logChild });
      return;
    }
    if (!principal) { await rpc(gitDir, service, req, res, { env, log: logChild }, deps.maxNegotiationBytes); return; }

    let createdHere = false;
    if (!exists) {
      try { await store.create(t); createdHere = true; } catch (e) { if (!(e instanceof ConflictError)) throw e; }
    } else {
      await installHooks(gitDir); // a repo copied in from elsewhere gets Heater's rules before its first push
    }
    const session = sessions.start({ template: t, gitDir, principal });
    const { host, port } = deps.hookAddress();
    const hookEnv = { ...env, HEATER_HOOK_HOST: host, HEATER_HOOK_PORT: String(port), HEATER_HOOK_TOKEN: session.token };
    const onExit = () => {
      sessions.end(session);
      registry.refsChanged(gitDir);
      if (createdHere) void removeIfEmpty(t, gitDir);
    };
    try {
      await rpc(gitDir, service, req, res, { env: hookEnv, log: logChild, onExit }, deps.maxNegotiationBytes);
    } catch (e) {
      onExit();
      throw e;
    }
  }

  /** A repo made by a push that then failed is removed again: a refused push leaves nothing behind. */
  async function removeIfEmpty(t: TemplateId, gitDir: string): Promise<void> {
    try {
      const { refs } = await registry.snapshot(t);
      if (refs.tags.size === 0 && refs.branches.size === 0 && !sessions.some((c) => c.gitDir === gitDir)) await registry.remove(t);
    } catch (e) {
      if (!(e instanceof NotFoundError)) log.warn(`${t.id}: could not remove the empty repo of a failed push-to-create: ${(e as Error).message}`);
    }
  }
}

function methodNotAllowed(res: Response, allow: string): void {
  res.setHeader('Allow', allow);
  sendProblem(res, 405, 'method-not-allowed', `This git endpoint accepts ${allow} only.`);
}
