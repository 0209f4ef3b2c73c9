// The web catalog: hashed assets, sign-in, the catalog, template, files and diff pages; errors as HTML pages.
import { Router } from 'express';
import type { WebSessionStore } from '../../auth/web-sessions';
import { NotFoundError } from '../../errors/not-found-error';
import type { Logger } from '../../log/logger';
import type { AssetTable } from '../../web/assets';
import { WebPages } from '../web-pages';
import { webCatalogRouter, type WebCatalogDeps } from './web-catalog';
import { webFilesRouter, type WebFilesDeps } from './web-files';
import { webSessionRouter } from './web-session';
import { webLaunchRouter } from './web-launch';
import { onlyParams } from '../params';

export interface WebDeps extends Omit<WebCatalogDeps, 'pages'>, Omit<WebFilesDeps, 'pages'> {
  readonly webSessions: WebSessionStore;
  readonly assets: AssetTable;
  readonly sessionSeconds: number;
  readonly log: Logger;
}

/** The pages' router, mounted before the API's JSON 404. */
export function webRouter(deps: WebDeps): Router {
  const pages = new WebPages(deps.webSessions, deps.access, deps.assets, deps.log, deps.publicUrl);
  const r = Router();
  r.get('/assets/:file', (req, res) => {
    onlyParams(req.query, [], 'an asset'); // asset URLs name their content: nothing to add
    const { css, js, highlight, diff } = deps.assets;
    // the launch script is asked for (and so bundled) only by its own URL
    const a = [css, js, highlight, diff].find((x) => x.url === req.path) ?? (req.path.startsWith('/assets/launch.') && deps.assets.launch.url === req.path ? deps.assets.launch : undefined);
    if (!a) throw new NotFoundError('route-not-found', `There is no asset ${req.path}; asset URLs change with their content, so reload the page.`);
    res.setHeader('Content-Type', a.type);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable'); // the URL names the content
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(a.body);
  });
  r.use(webSessionRouter({ access: deps.access, pages, sessions: deps.webSessions, sessionSeconds: deps.sessionSeconds }));
  r.use(webCatalogRouter({ ...deps, pages }));
  r.use(webLaunchRouter({ ...deps, pages }));
  r.use(webFilesRouter({ ...deps, pages })); // last: it answers the other /t/… paths with a 404 page
  // a browser that asks for a page that does not exist gets a page; API and git clients keep the JSON 404 after this router
  r.use(async (req, res, next) => {
    const isBrowser = (req.method === 'GET' || req.method === 'HEAD') && !req.path.startsWith('/api/') && /\btext\/html\b/.test(req.headers.accept ?? '');
    if (!isBrowser) { next(); return; }
    await pages.session(req, res, () => next(new NotFoundError('route-not-found', `There is no page ${req.path.slice(0, 200)}. The catalog is at /.`)));
  });
  r.use(pages.errors);
  return r;
}
