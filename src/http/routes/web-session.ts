// Signing in and out of the web pages: `/sign-in` checks a token and keeps it server-side behind a session cookie; `/sign-out` ends it.
import { Router, urlencoded } from 'express';
import type { WebSessionStore } from '../../auth/web-sessions';
import { UnauthenticatedError } from '../../errors/auth-error';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { renderSignInPage } from '../../web/sign-in-page';
import type { Access } from '../access';
import { methodNotAllowed } from '../method-not-allowed';
import { onlyParams, takes } from '../params';
import { SESSION_COOKIE, type WebPages } from '../web-pages';

export interface WebSessionDeps {
  readonly access: Access;
  readonly pages: WebPages;
  readonly sessions: WebSessionStore;
  /** How long a session lives, in seconds (the cookie's Max-Age). */
  readonly sessionSeconds: number;
}

/** A page of ours to go back to after signing in: a local path, never another site (`//host`, `/\host`). */
function localPath(raw: unknown): string {
  return typeof raw === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(raw) && raw.length <= 2000 ? raw : '/';
}

/** Routes to sign in and out. */
export function webSessionRouter({ access, pages, sessions, sessionSeconds }: WebSessionDeps): Router {
  const r = Router();
  const form = urlencoded({ extended: false, limit: '8kb' });

  r.route('/sign-in').get(pages.session, access.allow('read', 'anywhere'), (req, res) => {
    onlyParams(req.query, ['next'], 'the sign-in page');
    res.setHeader('Cache-Control', 'no-store');
    pages.send(res, renderSignInPage(pages.context(req), { next: localPath(req.query.next), formToken: pages.formToken(req, res), problem: null }));
  }).post(pages.session, access.allow('read', 'anywhere'), takes('the sign-in form'), form, pages.checkForm, async (req, res) => {
    const { token, next } = req.body as Record<string, unknown>;
    if (typeof token !== 'string' || token.trim() === '' || token.length > 512) throw new InvalidInputError('token', 'Paste a Heater token (heater_…) into the form.');
    // the token is authenticated exactly as an API request's: a fresh request, so the one of this page is not reused
    const probe = Object.create(req) as typeof req;
    probe.headers = { ...req.headers, authorization: `Bearer ${token.trim()}` };
    try {
      const { principal } = await access.caller(probe, 'rest');
      if (principal.kind !== 'token') throw new UnauthenticatedError('Bearer', 'Sign in with a token.', true);
    } catch (e) {
      if (!(e instanceof UnauthenticatedError)) throw e;
      res.setHeader('Cache-Control', 'no-store');
      pages.send(res, renderSignInPage(pages.context(req), { next: localPath(next), formToken: pages.formToken(req, res), problem: e.message }), 401);
      return;
    }
    const old = pages.sessionOf(req);
    if (old) sessions.destroy(old.id);
    const s = sessions.create(token.trim()); // a new id at every sign-in: a planted cookie value never becomes a session
    res.setHeader('Set-Cookie', pages.cookie(req, SESSION_COOKIE, s.id, sessionSeconds));
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, localPath(next));
  }).all(methodNotAllowed('GET, HEAD, POST'));

  r.route('/sign-out').post(pages.session, access.allow('read', 'anywhere'), takes('the sign-out form'), form, pages.checkForm, (req, res) => {
    const s = pages.sessionOf(req);
    if (s) sessions.destroy(s.id);
    res.setHeader('Set-Cookie', pages.cookie(req, SESSION_COOKIE, '', 0));
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, '/');
  }).all(methodNotAllowed('POST'));
  return r;
}
