// Answers computed once and sent from memory: routes mark what they answer from, the lane before Express sends it again.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { Registry } from '../registry/registry';
import type { NamespaceSettingsStore } from '../registry/namespace-settings';
import type { CatalogStore } from '../catalog/catalog-store';
import type { AnswerCache, CachedAnswer } from './answer-cache';
import { presentsCredential } from './access';
import { matches } from './file-response';
import { requestIdFrom } from './request-id';
import { templateOf } from './access-log';
import type { AccessRecord } from '../log/logger';
import { templateParam } from './params';
import { FRESH_MS } from '../git/refs';

/**
 * How long a check that the refs and settings are unchanged on disk is trusted. Writes through
 * Heater are seen at once (they drop the ref snapshot); a tag made with git on the server's own disk
 * is seen by the next answer more than 20 ms later, the age below which a ref file's stamp is not
 * trusted anyway (FRESH_MS). The check is a stat call per ref folder and settings file: made every
 * millisecond, it was 3-4 % of a server answering from memory at 20k req/s (a CPU profile).
 */
const RECHECK_MS = FRESH_MS;
/** URLs longer than this are not kept (a listing with a long query): the key would cost more than the answer saves. */
const MAX_URL = 2048;
const PREFIX = '/api/v1/';
/** Headers about the body itself, which a 304 (no body) leaves out, as the routes' own 304s do. */
const FRAMING = new Set(['content-type', 'content-length', 'content-disposition']);

/** What cached answers depend on, to tell whether they still hold. */
export interface CachedReadsDeps {
  readonly cache: AnswerCache;
  readonly registry: Registry;
  readonly settings: NamespaceSettingsStore;
  readonly catalog: CatalogStore;
  /** Takes the access record of each answer sent from memory (the log, the metrics). */
  readonly onAnswered: (record: AccessRecord) => void;
}

/**
 * Read answers kept whole, by URL, for anonymous GETs (what Heat, dashboards and scripts send): the
 * route computes an answer once, from one ref snapshot or one revision of the index, and the lane
 * in front of Express sends the same bytes again until what it was computed from changes. An answer
 * is kept only when that was the same when the route started and when it finished, so a write during
 * the computation is never hidden. Credentials and read links always go to the route (which checks them).
 */
export class CachedReads {
  constructor(private readonly deps: CachedReadsDeps) {}

  /** Middleware for a route whose 200 answers depend only on one template's refs, its objects and its namespace's settings. */
  readonly template: RequestHandler = (req, res, next) => {
    if (!this.keeps(req)) { next(); return; }
    const { registry, settings } = this.deps;
    const t = templateParam(req);
    const probe = registry.refsProbe(t);
    const refs = probe.now();
    const rule = settings.peek(t.namespace);
    // refs not in memory: this answer reads them; the next one, computed from the snapshot it leaves, is kept
    if (refs) {
      this.capture(req, res, () => probe.now() === refs && settings.peek(t.namespace) === rule,
        () => probe.recent(RECHECK_MS) === refs && settings.peekRecent(t.namespace, RECHECK_MS) === rule);
    }
    next();
  };

  /** Middleware for a route whose 200 answers depend only on the catalog index and on which namespaces are readable. */
  readonly catalog: RequestHandler = (req, res, next) => {
    if (!this.keeps(req)) { next(); return; }
    const { catalog, settings } = this.deps;
    const revision = catalog.revision(0);
    const rules = settings.revision(0);
    this.capture(req, res, () => catalog.revision(0) === revision && settings.revision(0) === rules,
      () => catalog.revision(RECHECK_MS) === revision && settings.revision(RECHECK_MS) === rules);
    next();
  };

  /**
   * The lane before Express: answers an anonymous GET or HEAD from memory (a 304 when If-None-Match
   * holds its ETag) and returns true; returns false, having sent nothing, when it holds no current answer.
   */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || url === undefined || !url.startsWith(PREFIX) || presentsCredential(req)) return false;
    const a = this.deps.cache.get(url);
    if (!a) return false;
    const t0 = performance.now();
    const before = req.socket.bytesWritten;
    const given = req.headers['x-request-id'];
    const id = requestIdFrom(typeof given === 'string' ? given : undefined); // complete before anything else could ask for it: not remembered
    // writeHead reads the list at once and keeps none of it: one list per answer, its id slot filled per request
    let status = a.status;
    if (a.etag !== null && matches(req, a.etag)) {
      status = 304;
      a.notModified[1] = id;
      res.writeHead(304, a.notModified).end();
    } else {
      a.headers[1] = id;
      res.writeHead(status, a.headers);
      if (req.method === 'HEAD') res.end(); else res.end(a.body);
    }
    // logged as handed to the socket (no 'close' listener per answer: it cost as much as the answer);
    // the record has one of two fixed shapes (a spread of an optional field took V8's slow path per answer)
    const bytes = req.socket.bytesWritten - before;
    const ms = Math.round((performance.now() - t0) * 1000) / 1000;
    this.deps.onAnswered(a.template !== undefined
      ? { requestId: id, method: req.method, route: a.route, template: a.template, status, bytes, ms, aborted: false }
      : { requestId: id, method: req.method, route: a.route, status, bytes, ms, aborted: false });
    return true;
  }

  private keeps(req: Request): boolean {
    return req.method === 'GET' && this.deps.cache.budget > 0 && !presentsCredential(req) && req.originalUrl.length <= MAX_URL;
  }

  /**
   * Records what the route sends; once it has sent a whole 200 and `unchanged()` still holds, keeps
   * it under the request's URL with `isCurrent` as its check.
   */
  private capture(req: Request, res: Response, unchanged: () => boolean, isCurrent: () => boolean): void {
    const url = req.originalUrl;
    const chunks: Buffer[] = [];
    let size = 0;
    let whole = true;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (!whole || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const b = Buffer.isBuffer(chunk) ? chunk
        : typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : chunk instanceof Uint8Array ? Buffer.from(chunk) : null;
      if (!b) { whole = false; return; }
      size += b.length;
      if (size > this.deps.cache.maxEntry) { whole = false; chunks.length = 0; return; }
      chunks.push(b);
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((...args: unknown[]) => { keep(args[0], args[1]); return write(...args); }) as Response['write'];
    res.end = ((...args: unknown[]) => { keep(args[0], args[1]); return end(...args); }) as Response['end'];
    res.once('finish', () => {
      if (!whole || res.statusCode !== 200 || !unchanged()) return;
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route !== 'string') return;
      const headers = ['X-Request-Id', '', ...headerList(res)];
      const etag = res.getHeader('etag');
      const full = `${req.baseUrl}${route}`;
      this.deps.cache.set(url, {
        status: 200, headers, notModified: withoutFraming(headers), body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
        etag: typeof etag === 'string' ? etag : null, route: full, template: templateOf(full, url.split('?')[0] ?? ''), isCurrent,
      } satisfies CachedAnswer);
    });
  }
}

/** The headers the route set, as `[name, value, …]` in its order, X-Request-Id left out (each answer has its own). */
function headerList(res: ServerResponse): string[] {
  const out: string[] = [];
  // Node has kept the names as set since 14.17; its types declare the method on ClientRequest only
  for (const name of (res as ServerResponse & { getRawHeaderNames(): string[] }).getRawHeaderNames()) {
    if (name.toLowerCase() === 'x-request-id') continue;
    const v = res.getHeader(name);
    if (Array.isArray(v)) for (const one of v) out.push(name, one);
    else if (v !== undefined) out.push(name, String(v));
  }
  return out;
}

function withoutFraming(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!FRAMING.has((headers[i] ?? '').toLowerCase())) out.push(headers[i] ?? '', headers[i + 1] ?? '');
  }
  return out;
}
