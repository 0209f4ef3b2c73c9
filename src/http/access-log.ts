// The access log: one line per request, written when its connection is done with it: id, method, route template, template, service, status, bytes, duration.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { AccessRecord } from '../log/logger';
import type { RefChange } from '../audit/audit-log';
import { requestId } from './request-id';

// the git remote's paths, as routes/git.ts matches them (before any decoding)
const GIT_PATH = /^\/([^/]+)\/([^/]+)\.git(\/.*)?$/;
const GIT_ENDS: readonly string[] = ['/info/refs', '/git-upload-pack', '/git-receive-pack'];

/** Routes noted by whoever answered outside Express (the pre-receive hook's endpoint), the mount paths of Express routers, a push's ref updates. */
const noted = new WeakMap<IncomingMessage, { route?: string; mount?: string; refs?: readonly RefChange[]; updated?: boolean }>();

/** Notes the refs a push asked to update and whether they became that (`updated`), for its access line. */
export function noteRefs(req: IncomingMessage, refs: readonly RefChange[], updated: boolean): void {
  noted.set(req, { ...noted.get(req), refs, updated });
}

/** Notes that `req` was answered by the route `route` outside Express. */
export function noteRoute(req: IncomingMessage, route: string): void {
  noted.set(req, { ...noted.get(req), route });
}

/**
 * Middleware for a router's mount point: notes where it is mounted, because Express resets
 * `req.baseUrl` when an error leaves the router, before the answer is logged.
 */
export const noteMount: RequestHandler = (req, _res, next) => {
  noted.set(req, { ...noted.get(req), mount: req.baseUrl });
  next();
};

/** Starts timing `req`; when its answer is done (or its connection closed first) hands its access record to `sink` (the log, the metrics). */
export function logAccess(req: IncomingMessage, res: ServerResponse, sink: (record: AccessRecord) => void): void {
  const t0 = performance.now();
  const socket = req.socket;
  const before = socket.bytesWritten;
  res.on('close', () => { // 'close' comes once
    const path = ((req as Partial<Request>).originalUrl ?? req.url ?? '').split('?')[0] ?? '';
    const { route, service } = routeOf(req, path);
    const template = route ? templateOf(route, path) : undefined;
    sink({
      requestId: requestId(req),
      method: req.method ?? '',
      route,
      ...(template ? { template } : {}),
      ...(service ? { service } : {}),
      ...pushOf(req),
      status: res.statusCode,
      bytes: socket.bytesWritten - before,
      ms: Math.round((performance.now() - t0) * 1000) / 1000,
      aborted: !res.writableFinished,
    });
  });
}

/** A push's ref updates and their outcome, when the request was one. */
function pushOf(req: IncomingMessage): Pick<AccessRecord, 'refs' | 'updated'> {
  const n = noted.get(req);
  return n?.refs ? { refs: n.refs, updated: n.updated ?? false } : {};
}

/** The route template of a request (its values left out), and for git requests the service. */
function routeOf(req: IncomingMessage, path: string): { route: string | null; service?: string } {
  const git = GIT_PATH.exec(path);
  if (git) {
    const end = git[3] ?? '';
    const service = end === '/info/refs' ? /[?&]service=(git-upload-pack|git-receive-pack)(&|$)/.exec(req.url ?? '')?.[1] : end.slice(1);
    return { route: `/:ns/:name.git${GIT_ENDS.includes(end) ? end : '/*'}`, ...(service && GIT_ENDS.includes(`/${service}`) ? { service } : {}) };
  }
  const mine = noted.get(req);
  if (mine?.route) return { route: mine.route };
  const expressRoute = (req as Partial<Request>).route as { path?: unknown } | undefined;
  return { route: typeof expressRoute?.path === 'string' ? `${mine?.mount ?? ''}${expressRoute.path}` : null };
}

/** `ns/name` when the route names a template (`:ns` and `:name`), read from the same segments of the path. */
export function templateOf(route: string, path: string): string | undefined {
  const r = route.split('/');
  const p = path.split('/');
  const ns = r.indexOf(':ns');
  const name = r.findIndex((s) => s === ':name' || s === ':name.git');
  if (ns < 0 || name < 0) return undefined;
  const at = (i: number) => {
    const raw = (p[i] ?? '').replace(/\.git$/, '');
    try { return decodeURIComponent(raw); } catch { return raw; }
  };
  return `${at(ns)}/${at(name)}`.slice(0, 200);
}
