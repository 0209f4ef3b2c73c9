// What every web page shares: the session cookie, the form token against CSRF, page headers (CSP, caching) and HTML errors.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { WebSession, WebSessionStore } from '../auth/web-sessions';
import { randomToken, sameSecret } from '../auth/web-sessions';
import { UnauthenticatedError, ForbiddenError } from '../errors/auth-error';
import type { Logger } from '../log/logger';
import type { AssetTable } from '../web/assets';
import { renderErrorPage, type PageContext } from '../web/layout';
import type { Access } from './access';
import { answerFor, titleOf } from './problem';

export const SESSION_COOKIE = 'heater_session';
/** A signed-out browser's form token (sign-in, the launch form), checked against the hidden field (double submit). */
export const FORM_COOKIE = 'heater_form';

/**
 * No inline script or style anywhere: scripts and styles come from our hashed assets only, images
 * from us (template icons, README images) or data: URLs, forms post back to us, nobody frames us.
 */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The value of one cookie of the request, or undefined. */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}


/** The per-request state of pages. */
export class WebPages {
  private readonly sessions = new WeakMap<Request, { session: WebSession; user: string }>();

  constructor(private readonly store: WebSessionStore, private readonly access: Access, readonly assets: AssetTable, private readonly log: Logger, private readonly publicUrl: string) {}

  /**
   * A cookie's Set-Cookie value with our attributes: HttpOnly, SameSite=Strict, Path=/, and Secure
   * when the request came over https: TLS to us, or a HEATER_PUBLIC_URL in https (a proxy terminates it).
   */
  cookie(req: Request, name: string, value: string, maxAgeSeconds: number): string {
    const https = req.secure || this.publicUrl.startsWith('https:');
    return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${https ? '; Secure' : ''}`;
  }

  /**
   * The first handler of every page: pages authenticate by the session cookie alone (an
   * Authorization header is dropped, so a browser's cached Basic credentials never act for it).
   * The session's token is authenticated as any API request's is; one that is no longer valid
   * (revoked, expired) ends the session, and the browser is sent back to the same page, signed out.
   */
  readonly session: RequestHandler = async (req, res, next) => {
    delete req.headers.authorization;
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('Vary', 'Cookie');
    res.setHeader('Cache-Control', 'no-cache'); // access.allow makes it private for what is not for everyone
    const id = cookieOf(req, SESSION_COOKIE);
    const s = id === undefined ? undefined : this.store.get(id);
    if (s) {
      req.headers.authorization = `Bearer ${s.token}`;
      let user: string;
      try {
        user = (await this.access.caller(req, 'rest')).principal.name;
      } catch (e) {
        if (!(e instanceof UnauthenticatedError)) throw e;
        this.store.destroy(s.id);
        res.setHeader('Set-Cookie', this.cookie(req, SESSION_COOKIE, '', 0));
        res.redirect(303, req.originalUrl);
        return;
      }
      this.sessions.set(req, { session: s, user });
      res.setHeader('Cache-Control', 'private, no-cache');
    }
    next();
  };

  /** The session of a request the session handler saw, or undefined when signed out. */
  sessionOf(req: Request): WebSession | undefined {
    return this.sessions.get(req)?.session;
  }

  /** What the page frame needs: assets, who is signed in, the CSRF token. */
  context(req: Request): PageContext {
    const s = this.sessions.get(req);
    return { assets: this.assets, user: s?.user ?? null, csrf: s?.session.csrf ?? null, here: req.originalUrl };
  }

  /** The token a form of this page carries: the session's, or (signed out) a form cookie's, set here when missing. */
  formToken(req: Request, res: Response): string {
    const s = this.sessionOf(req);
    if (s) return s.csrf;
    const existing = cookieOf(req, FORM_COOKIE);
    if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    const fresh = randomToken();
    res.append('Set-Cookie', this.cookie(req, FORM_COOKIE, fresh, 86_400));
    return fresh;
  }

  /**
   * Checks the CSRF field of a POST (after the form body is parsed): it must equal the session's
   * token, or, signed out, the form cookie. Throws ForbiddenError (403) before anything is done.
   */
  readonly checkForm: RequestHandler = (req, _res, next) => {
    const presented = (req.body as Record<string, unknown> | undefined)?.csrf;
    const s = this.sessionOf(req);
    const expected = s ? s.csrf : cookieOf(req, FORM_COOKIE);
    if (expected === undefined || !sameSecret(presented, expected)) {
      throw new ForbiddenError('This form was not sent from this page of Heater, or it has expired: reload the page and send it again.');
    }
    next();
  };

  /** Sends a page's HTML (the headers were set by the session handler and access.allow). */
  send(res: Response, html: string, status = 200): void {
    res.status(status).setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(html);
  }

  /** The pages' error handler: the status problem.ts gives the error, rendered as an HTML page. */
  readonly errors: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    if (res.headersSent) { res.destroy(); return; }
    const a = answerFor(err, req, res, this.log);
    if (a.headers['Retry-After'] !== undefined) res.setHeader('Retry-After', a.headers['Retry-After']);
    if (a.headers.Allow !== undefined) res.setHeader('Allow', a.headers.Allow);
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    this.send(res, renderErrorPage(this.context(req), a.status, titleOf(a.status), a.detail), a.status);
  };
}
