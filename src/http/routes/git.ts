// The git remote: /<namespace>/<name>.git/{info/refs, git-upload-pack, git-receive-pack}.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { parseTemplateId, type RepoStore, type TemplateId } from '../../git/store';
import { advertise, isService, rpc, startReceivePack, startResult, SERVICES, type Service } from '../../git/smart-http';
import type { Prestart, ReceivePrestarts } from '../../git/receive-prestart';
import type { PushSession, PushSessions } from '../../git/hooks/sessions';
import type { Housekeeper } from '../../git/housekeeping';
import type { PackCache } from '../../git/pack-cache';
import type { ReceiveAdverts } from '../../git/receive-advert';
import { installHooks } from '../../git/hooks/install';
import type { Registry } from '../../registry/registry';
import type { Principal } from '../../auth/principal';
import type { Access } from '../access';
import type { Logger } from '../../log/logger';
import { ConflictError } from '../../errors/conflict-error';
import { ForbiddenError } from '../../errors/auth-error';
import { BusyError } from '../../errors/limit-error';
import { NotFoundError } from '../../errors/not-found-error';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { MethodNotAllowedError } from '../../errors/method-not-allowed-error';
import { sendError } from '../problem';
import { noteRefs } from '../access-log';
import { requestId } from '../request-id';
import { onlyParams } from '../params';

/** What the pre-receive hook needs to know about the push it is checking. */
export interface PushContext {
  readonly template: TemplateId;
  readonly gitDir: string;
  readonly principal: Principal;
  /** The pusher's address, for the audit log. */
  readonly address: string;
}

export interface GitDeps {
  readonly store: RepoStore;
  readonly registry: Registry;
  readonly access: Access;
  readonly sessions: PushSessions<PushContext>;
  readonly log: Logger;
  readonly maxNegotiationBytes: number;
  /** Largest pack a push may send. */
  readonly maxPushBytes: number;
  /** Most git requests served at once. */
  readonly maxGitProcesses: number;
  /** A git process that moves no data for this long is stopped. */
  readonly gitIdleMs: number;
  readonly housekeeper: Housekeeper;
  /** The pack-objects cache clones and fetches go through; null when it is off. */
  readonly packCache: PackCache | null;
  /** receive-pack advertisements made from the ref snapshots in memory, not by git. */
  readonly receiveAdverts: ReceiveAdverts;
  /** Where the hook reaches this server: host and port of the listening socket. */
  readonly hookAddress: () => { host: string; port: number };
  /** receive-packs started at a push's advertisement for its POST; none: started at the POST. */
  readonly prestarts?: ReceivePrestarts<PushSession<PushContext>>;
}

// Matched on the raw path, before any decoding: "%2e%2e" or "%2f" never becomes a path part.
const GIT_PATH = /^\/([^/]+)\/([^/]+)\.git(\/.*)?$/;

/** A request handler for the git remote's paths, calling `next` for any other path. */
export type GitHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The handler serving git's smart HTTP protocol; other paths pass through. It runs before Express
 * (app.ts): Express's routing cost each of a clone's three requests 170 us of CPU, a third of what
 * a request answered from memory costs. Its errors are answered here, as one line of text/plain:
 * the only kind of error body git shows its user (as `remote:` lines).
 */
export function gitRouter(deps: GitDeps): GitHandler {
  const { store, registry, access, sessions, log } = deps;
  const emptyRepo = `${store.stateDir}/empty.git`;
  let active = 0;

  return (req, res, next) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const m = GIT_PATH.exec(q < 0 ? url : url.slice(0, q));
    if (!m) { next(); return; }
    res.setHeader('X-Request-Id', requestId(req));
    // the query as Express's "simple" parser (querystring) reads it: a repeated service is an array, and refused
    const query = q < 0 ? {} : parseQuery(url.slice(q + 1));
    handle(req, res, query, m[1] ?? '', m[2] ?? '', m[3] ?? '').catch((e: unknown) => sendError(e, req, res, log, 'plain'));
  };

  async function handle(req: IncomingMessage, res: ServerResponse, query: Readonly<Record<string, unknown>>, ns: string, name: string, rest: string): Promise<void> {
    const t = parseTemplateId(ns, name);
    let service: Service;
    if (rest === '/info/refs') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new MethodNotAllowedError(req.method ?? '', 'GET, HEAD');
      const s = query.service;
      if (!isService(s)) throw new ForbiddenError('Heater serves git over the smart HTTP protocol only; use git 1.6.6 or newer (the dumb protocol is off).');
      service = s;
    } else if (rest === '/git-upload-pack' || rest === '/git-receive-pack') {
      if (req.method !== 'POST') throw new MethodNotAllowedError(req.method ?? '', 'POST');
      service = rest.slice(1) as Service;
    } else {
      throw new NotFoundError('route-not-found', `${rest || '/'} is not part of git's smart HTTP protocol; clone ${t.id}.git with git.`);
    }

    // access is decided here, at the advertisement too: the only answer whose error body git shows
    const caller = await access.authorize(req, 'git', SERVICES[service].write ? 'write' : 'read', access.template(t));
    // after the credential (a stranger is told to authenticate); git itself sends no other parameter
    if (rest === '/info/refs') onlyParams(query, ['service'], 'a git advertisement');
    else onlyParams(query, [], `a ${service} request`);
    const principal = SERVICES[service].write ? caller.principal : undefined;
    // at most maxGitProcesses requests have a git working for them; the rest are told to come back.
    // A slot is taken when git starts, not when the request arrives: a slowloris sending its
    // negotiation a byte at a time must not hold one (test/http/slow-clients.test.ts).
    const refuseAtLimit = () => {
      if (active >= deps.maxGitProcesses) throw new BusyError(5, `The server is serving ${active} git requests, its limit; try again in a few seconds.`);
    };
    const takeSlot = () => {
      refuseAtLimit();
      active++;
      whenClosed(res, () => { active--; });
    };
    const gitDir = store.gitDir(t);
    const exists = await store.exists(t);
    const env = { GIT_HTTP_EXPORT_ALL: '1', ...(principal ? { GIT_COMMITTER_NAME: principal.name, GIT_COMMITTER_EMAIL: `${principal.name}@heater.${caller.address || 'local'}` } : {}) };
    const logChild = { warn: (msg: string) => log.warn(`${t.id}: ${msg}`), info: (msg: string) => log.info(`${t.id}: ${msg}`) };

    if (!exists && !principal) throw new NotFoundError('template-not-found', `There is no template ${t.id}.`);
    if (rest === '/info/refs') {
      // push-to-create: an empty repository's advertisement, as Gitea does; the repo is made at the POST
      if (!exists) { advertise(emptyRepo, service, req, res, { env, log: logChild, idleMs: deps.gitIdleMs, takeSlot }); return; }
      // a new advertisement on this connection replaces the receive-pack started at the last one
      if (principal) deps.prestarts?.withdraw(req.socket);
      // a push past the limit is refused here, where git shows why, even when its advertisement needs no git
      if (principal) refuseAtLimit();
      if (service !== 'git-receive-pack') { advertise(gitDir, service, req, res, { env, log: logChild, idleMs: deps.gitIdleMs, takeSlot }); return; }
      const probe = registry.refsProbe(t);
      const refs = () => {
        const now = probe.now();
        // not in memory (never read, or changed on disk): git advertises this time, the next push finds them read
        if (!now) registry.snapshot(t).catch(() => { /* the repo went away */ });
        return now;
      };
      advertise(gitDir, service, req, res, { env, log: logChild, idleMs: deps.gitIdleMs, takeSlot, pushRefs: { adverts: deps.receiveAdverts, refs } });
      // its receive-pack is started once the advertisement is sent, while the client computes its pack
      // (only where a POST can follow on this connection)
      if (principal && deps.prestarts && req.method === 'GET' && res.shouldKeepAlive) {
        const sent = new Promise<void>((resolve) => { res.once('finish', resolve); res.once('close', resolve); });
        const ready = sent.then(() => prestart(req, t, gitDir, principal, caller.address, env)).catch((e: Error) => {
          log.warn(`${t.id}: could not start receive-pack ahead of the push: ${e.message}`);
          return undefined;
        });
        deps.prestarts.offer(req.socket, prestartKey(t, principal, caller.address, req), ready);
      }
      return;
    }
    if (!principal) {
      const cache = service === 'git-upload-pack' ? deps.packCache : null;
      const fetch = cache
        ? { env, spawnEnv: () => cache.env(gitDir), config: cache.uploadPackConfig(), answers: cache.answers, onExit: () => cache.afterFetch() }
        : { env };
      await rpc(gitDir, service, req, res, { ...fetch, log: logChild, idleMs: deps.gitIdleMs, takeSlot }, deps.maxNegotiationBytes);
      return;
    }

    if (req.headers['content-length'] === '4' && await isProbe(req)) {
      // The "0000" probe git sends before a chunked push (remote-curl.c probe_rpc): receive-pack would
      // answer it with nothing, so it is answered here without creating a repo or starting git.
      startResult(res, 'git-receive-pack');
      res.end();
      return;
    }
    // the receive-pack started at this connection's advertisement, when it was for this very push
    // and its repo is still there (one deleted meanwhile is made again below)
    let taken: Prestart<PushSession<PushContext>> | undefined;
    if (exists) taken = await deps.prestarts?.take(req.socket, prestartKey(t, principal, caller.address, req));
    else deps.prestarts?.withdraw(req.socket);
    let createdHere = false;
    let session: PushSession<PushContext>;
    if (taken) {
      session = taken.session;
      whenClosed(res, () => { active--; }); // its slot, taken when it started, is this request's now
    } else {
      ({ session, createdHere } = await register(t, gitDir, principal, caller.address, true));
    }
    const hookEnv = receiveEnv(env, session);
    const ended = session;
    const onExit = async () => {
      registry.refsChanged(gitDir); // before the push is announced: subscribers read the new refs
      await sessions.end(ended);
      if (ended.updated) noteRefs(req, ended.updated.refs, ended.updated.ok);
      if (createdHere) {
        registry.removeIfEmpty(t, gitDir, () => sessions.some((c) => c.gitDir === gitDir))
          .catch((e: Error) => log.warn(`${t.id}: could not remove the empty repo of a refused push-to-create: ${e.message}`));
      }
    };
    try {
      await rpc(gitDir, service, req, res, { env: hookEnv, log: logChild, onExit, idleMs: deps.gitIdleMs, ...(taken ? { started: taken.git } : { takeSlot }) }, deps.maxNegotiationBytes);
    } catch (e) {
      if (taken) { // refused before its input was given to it: it reads no command and exits
        taken.git.stdout.resume();
        taken.git.stderr.resume();
        taken.git.stdin.end();
      }
      await onExit();
      throw e;
    }
  }

  /**
   * Creates the repo (a push-to-create) or brings its hook up to date, and registers the push,
   * under the repo lock: a refused push-to-create removing its empty repo again never races a push
   * that has just arrived.
   */
  async function register(t: TemplateId, gitDir: string, principal: Principal, address: string, mayCreate: true): Promise<Registered>;
  async function register(t: TemplateId, gitDir: string, principal: Principal, address: string, mayCreate: false): Promise<Registered | null>;
  async function register(t: TemplateId, gitDir: string, principal: Principal, address: string, mayCreate: boolean): Promise<Registered | null> {
    let createdHere = false;
    const release = await registry.locks.acquire(gitDir);
    try {
      if (!(await store.exists(t))) {
        if (!mayCreate) return null;
        try { await store.create(t); createdHere = true; } catch (e) { if (!(e instanceof ConflictError)) throw e; }
      } else {
        await installHooks(gitDir); // a repo copied in from elsewhere gets Heater's rules before its first push
      }
      return { session: sessions.start({ template: t, gitDir, principal, address }), createdHere };
    } finally {
      release();
    }
  }

  /** receive-pack's environment for a push: the hook's way back to this server, and the push size limit. */
  function receiveEnv(env: Readonly<Record<string, string>>, session: PushSession<PushContext>): Record<string, string> {
    const { host, port } = deps.hookAddress();
    return {
      ...env, HEATER_HOOK_HOST: host, HEATER_HOOK_PORT: String(port), HEATER_HOOK_TOKEN: session.token,
      // git refuses a pack over this size itself ("pack exceeds maximum allowed size"), quarantine and all
      GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'receive.maxInputSize', GIT_CONFIG_VALUE_0: String(deps.maxPushBytes),
    };
  }

  /**
   * Starts the receive-pack of the push whose advertisement was just sent on `req`'s connection,
   * for that connection's POST (receive-prestart.ts). Only for a repo that exists (a push-to-create
   * makes it at the POST) and while fewer than half the git slots are busy: one waiting for a slow
   * client's pack must not be what turns clones away.
   */
  async function prestart(req: IncomingMessage, t: TemplateId, gitDir: string, principal: Principal, address: string,
    env: Readonly<Record<string, string>>): Promise<Prestart<PushSession<PushContext>> | undefined> {
    // with it, at most half the slots busy
    const busy = () => req.socket.destroyed || (active + 1) * 2 > deps.maxGitProcesses;
    if (busy()) return undefined;
    const session = (await register(t, gitDir, principal, address, false))?.session;
    if (!session) return undefined;
    if (busy()) { await sessions.end(session); return undefined; }
    active++;
    const discard = () => {
      active--;
      sessions.end(session).catch((e: Error) => log.warn(`${t.id}: ending an unused push session: ${e.message}`));
    };
    let git: ChildProcessWithoutNullStreams;
    try {
      git = startReceivePack(gitDir, receiveEnv(env, session), req.headers['git-protocol']);
    } catch (e) {
      discard();
      throw e;
    }
    // not started (no pid: the error comes as an event), or gone already: the POST starts its own
    if (git.pid === undefined || git.exitCode !== null) {
      git.once('error', () => { /* the POST starts git itself, and reports it if that fails too */ });
      discard();
      return undefined;
    }
    return { git, session, discard };
  }
}

/** Runs `f` once the response has closed: now, when it already has. */
function whenClosed(res: ServerResponse, f: () => void): void {
  if (res.closed) f(); else res.once('close', f);
}

/** A push registered: its session, and whether its repository was created for it (a push-to-create). */
interface Registered { readonly session: PushSession<PushContext>; readonly createdHere: boolean }

/** What a push's POST must share with the advertisement a receive-pack was started at. */
function prestartKey(t: TemplateId, principal: Principal, address: string, req: IncomingMessage): string {
  const protocol = req.headers['git-protocol'];
  return JSON.stringify([t.id, principal, address, typeof protocol === 'string' ? protocol : '']);
}

/** Reads a 4-byte body; true when it is git's "0000" probe, else a 400 (no receive-pack request is 4 bytes). */
async function isProbe(req: IncomingMessage): Promise<boolean> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (Buffer.concat(chunks).toString('latin1') === '0000') return true;
  throw new InvalidInputError('body', 'A 4-byte receive-pack request must be the "0000" probe.');
}
