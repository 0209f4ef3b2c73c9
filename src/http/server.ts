// The Express application: the REST API, the web pages, then errors (the git remote is answered before it: app.ts, routes/git.ts).
import express, { type Express } from 'express';
import { access } from 'node:fs/promises';
import type { GitDeps } from './routes/git';
import { hooksRouter } from './routes/hooks';
import { templatesRouter } from './routes/templates';
import { versionsRouter } from './routes/versions';
import { publishRouter } from './routes/publish';
import { diffRouter } from './routes/diff';
import type { Differ } from '../diff/differ';
import type { NamespaceSettingsStore } from '../registry/namespace-settings';
import type { TokenStore } from '../auth/token-store';
import { namespacesRouter } from './routes/namespaces';
import { tokensRouter } from './routes/tokens';
import { linksRouter } from './routes/links';
import { historyRouter } from './routes/history';
import { auditRouter } from './routes/audit';
import { webRouter } from './routes/web';
import type { WebSessionStore } from '../auth/web-sessions';
import type { AssetTable } from '../web/assets';
import type { ReadLinks } from '../auth/read-links';
import type { Publisher } from '../registry/publisher';
import type { WriteEvents } from '../events/write-events';
import type { CatalogStore } from '../catalog/catalog-store';
import { problemHandler } from './problem';
import { requestId } from './request-id';
import { takes } from './params';
import { noteMount } from './access-log';
import { NotFoundError } from '../errors/not-found-error';
import { UnavailableError } from '../errors/limit-error';
import type { Readiness } from './readiness';
import type { Metrics } from '../metrics/metrics';
import { metricsRouter } from './routes/metrics';
import type { CachedReads } from './cached-reads';

/** What the Express app needs (the git remote, answered before it, has the rest of GitDeps). */
export interface HttpDeps extends Pick<GitDeps, 'store' | 'registry' | 'access' | 'sessions' | 'log'> {
  readonly publisher: Publisher;
  readonly differ: Differ;
  readonly settings: NamespaceSettingsStore;
  readonly tokenStore: TokenStore;
  readonly links: ReadLinks;
  readonly events: WriteEvents;
  readonly catalog: CatalogStore;
  /** Brings the catalog's audit table up to the audit log file (AuditIndex.catchUp); never rejects. */
  readonly auditCaughtUp: () => Promise<unknown>;
  readonly publicUrl: string;
  readonly reposDir: string;
  readonly maxBodyBytes: number;
  readonly maxFileBytes: number;
  readonly webSessions: WebSessionStore;
  readonly assets: AssetTable;
  /** How long a web session lives, in seconds. */
  readonly sessionSeconds: number;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  /** When set, /metrics needs it as a bearer token. */
  readonly metricsToken: string;
  /** Answers kept whole for anonymous reads (the routes fill it; app.ts's lane answers from it). */
  readonly cached: CachedReads;
}

/** Builds the Express app from the services app.ts made. */
export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // ETags are object ids, set by the routes that know them
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    res.setHeader('X-Request-Id', requestId(req));
    next();
  });
  app.use(hooksRouter(deps));
  app.get('/healthz', takes('/healthz'), async (_req, res) => {
    try { await access(deps.reposDir); } catch { throw new UnavailableError(`The data directory ${deps.reposDir} is not readable.`); }
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  app.get('/readyz', takes('/readyz'), async (_req, res) => {
    const { ready, checks } = await deps.readiness.check();
    res.setHeader('Cache-Control', 'no-store');
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k}: ${v}`);
    if (!ready) throw new UnavailableError(`Not ready: ${failing.join('; ')}.`, { members: { checks } });
    res.json({ status: 'ready', checks });
  });
  app.use(metricsRouter(deps));
  app.use('/api/v1', noteMount, (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-cache'); // JSON reflects refs that move; routes that know better override it
    next();
  }, templatesRouter(deps), publishRouter(deps), versionsRouter(deps), diffRouter(deps), historyRouter(deps), auditRouter(deps), namespacesRouter(deps), tokensRouter(deps), linksRouter(deps));
  app.use(webRouter(deps)); // the web catalog's pages: `/`, `/t/…`, `/sign-in`, `/assets/…`
  app.use((req) => {
    throw new NotFoundError('route-not-found', `There is no ${req.method} ${req.path}; the API is under /api/v1 (see docs/api.md).`);
  });
  app.use(problemHandler(deps.log));
  return app;
}
