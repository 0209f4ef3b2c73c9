// Composition root: builds every service from a Config, and the HTTP server that serves them.
import http from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';
import type { Config } from './config/config';
import { createLogger, type Logger } from './log/logger';
import { RepoStore, parseTemplateId } from './git/store';
import { removeLocks } from './git/stale-locks';
import { RefCache } from './git/refs';
import { ReceiveAdverts } from './git/receive-advert';
import { readRefsSince } from './git/direct-reader';
import { CatFilePool } from './git/catfile-pool';
import { ObjectReader } from './git/objects';
import { git, runningGit, signalAllGit, stopAllGit } from './git/exec';
import { PushSessions, type PushSession } from './git/hooks/sessions';
import { Housekeeper } from './git/housekeeping';
import { PackCache } from './git/pack-cache';
import { Registry } from './registry/registry';
import { Publisher } from './registry/publisher';
import { AuditLog } from './audit/audit-log';
import { WriteEvents, auditEntryOf } from './events/write-events';
import { SqliteCatalog } from './catalog/sqlite-catalog';
import { Indexer } from './catalog/indexer';
import { AuditIndex } from './catalog/audit-index';
import { ReadBarrierCatalog } from './catalog/read-barrier';
import { CATALOG_FILE } from './catalog/catalog-store';
import { Differ } from './diff/differ';
import { DiffStore } from './diff/diff-store';
import { DiffPrecompute, type TemplateVersions } from './diff/diff-precompute';
import { NamespaceSettingsStore } from './registry/namespace-settings';
import { AdminToken } from './auth/admin-token';
import { Authenticator } from './auth/authenticator';
import { MemoryFailureCounter } from './auth/failure-counter';
import { TokenStore } from './auth/token-store';
import { ReadLinks } from './auth/read-links';
import { Access } from './http/access';
import { MemoryWebSessions } from './auth/web-sessions';
import { loadAssets } from './web/assets';
import { ClientAddress } from './http/client-address';
import { createHttpApp } from './http/server';
import { gitRouter } from './http/routes/git';
import { ReceivePrestarts } from './git/receive-prestart';
import { StartupError, systemReason } from './errors/startup-error';
import { CachedReads } from './http/cached-reads';
import { AnswerCache } from './http/answer-cache';
import { PRE_RECEIVE_PATH, preReceiveHandler } from './http/routes/hooks';
import { takeLink } from './http/link-prefix';
import type { PushContext } from './http/routes/git';
import { Drain } from './http/drain';
import { Readiness } from './http/readiness';
import { logAccess, noteRoute } from './http/access-log';
import { Metrics } from './metrics/metrics';
import type { AccessRecord } from './log/logger';

// A browser stays signed in for a working day; past 10,000 signed-in browsers the oldest session ends.
const SESSION_SECONDS = 8 * 3600;
const MAX_SESSIONS = 10_000;

export interface App {
  readonly server: http.Server;
  /** The Express application behind the server (the cached-answer lane sits in front of it). */
  readonly express: Express;
  /** The URL the server listens on, once listen() resolved. */
  url(): string;
  /** Starts listening; rejects with StartupError saying why it cannot (the address is in use, say). */
  listen(): Promise<string>;
  /**
   * Stops the server: /readyz answers 503, no new connection is taken, answers in flight get
   * `graceMs` (default: the configured shutdown grace) to finish, then what remains is cut and its
   * git processes stopped; then the index is closed. A second call waits for the first.
   */
  close(graceMs?: number): Promise<void>;
  /** Resolves once the background work queued so far (reindexes after writes, diffs of consecutive versions being precomputed, the start-up fill) is done. */
  settled(): Promise<void>;
  /** For a process about to exit at once (a second signal): SIGTERM to every git it runs, readers included; nothing is waited for. */
  abort(): void;
}

export interface AppOptions {
  readonly log?: Logger;
  /** Receives a generated admin token once (default: printed on stdout). */
  readonly announceToken?: (token: string, file: string) => void;
}

/** Creates (if need be) and checks the data directory; returns its store. Throws StartupError saying what is wrong. */
async function openDataDir(dir: string): Promise<RepoStore> {
  try {
    await fs.mkdir(dir, { recursive: true });
    // git hands hooks real (symlink-free) paths; everything is built on the same real root so they compare
    const reposDir = await fs.realpath(dir);
    await fs.access(reposDir, fsc.R_OK | fsc.W_OK | fsc.X_OK);
    const store = new RepoStore(reposDir);
    await store.init();
    return store;
  } catch (e) {
    throw new StartupError(`cannot use the data directory ${dir}: ${systemReason(e)}`);
  }
}

/** Prepares the data directory and wires the services; the server is not listening yet. Throws StartupError. */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger(config.logLevel);
  const store = await openDataDir(config.reposDir);
  const emptyRepo = path.join(store.stateDir, 'empty.git');
  await fs.access(path.join(emptyRepo, 'HEAD')).catch(() => git(['init', '--bare', '--quiet', '--template=', emptyRepo])).catch((e: unknown) => {
    throw new StartupError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'cannot run git: it is not on PATH; install git 2.x' : `cannot create ${emptyRepo}: ${systemReason(e)}`);
  });
  const adminToken = await AdminToken.open(store.stateDir, config.adminToken, opts.announceToken ?? ((token, file) => {
    process.stdout.write(`heater: generated the admin token, shown only this once (its hash is in ${file}):\n  ${token}\n`);
  })).catch((e: unknown) => { throw new StartupError(`cannot open the admin token: ${systemReason(e)}`); });
  const tokenStore = new TokenStore(store.stateDir);
  const links = await ReadLinks.open(store.stateDir);
  const authenticator = new Authenticator(adminToken, tokenStore, links, new MemoryFailureCounter(config.maxAuthFailures));
  const pool = new CatFilePool(config.maxReaders);
  const objects = new ObjectReader(pool, config.cacheBytes);
  const settings = new NamespaceSettingsStore(store.stateDir, { semver: config.semver, anonymousRead: config.anonymousRead });
  const access = new Access(authenticator, settings, new ClientAddress(config.trustedProxies));
  const registry = new Registry(store, new RefCache(4096, readRefsSince), objects, pool, settings, { maxFileBytes: config.maxFileBytes });
  const gitVersion = (await git(['--version'])).toString('utf8').trim();
  const diffStore = await DiffStore.open(path.join(store.stateDir, 'diffs'), config.diffStoreBytes, gitVersion)
    .catch((e: unknown) => { throw new StartupError(`cannot open ${path.join(store.stateDir, 'diffs')}: ${systemReason(e)}`); });
  const sessions = new PushSessions<PushContext>();
  const receiveAdverts = new ReceiveAdverts(gitVersion, (msg) => log.warn(msg));
  const housekeeper = new Housekeeper((msg) => log.warn(msg));
  const packCache = config.packCacheBytes === 0 ? null : await PackCache.open(store.stateDir, { maxBytes: config.packCacheBytes, maxAgeMs: config.packCacheMaxAgeMs }, (msg) => log.warn(msg), gitVersion)
    .catch((e: unknown) => { throw new StartupError(`cannot use the pack cache in ${path.join(store.stateDir, 'pack-cache')}: ${systemReason(e)}`); });

  let address: AddressInfo | null = null;
  const hookAddress = () => {
    if (!address) throw new Error('the server is not listening');
    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    return { host, port: address.port };
  };
  const audit = new AuditLog(store.stateDir, (msg) => log.error(msg));
  const catalog = SqliteCatalog.open(path.join(store.stateDir, CATALOG_FILE));
  if (catalog.rebuilt) log.warn(`catalog: ${path.join(store.stateDir, CATALOG_FILE)} is rebuilt from git, as ${catalog.rebuilt}`);
  const indexer = new Indexer(store, registry, catalog, (msg) => log.warn(msg));
  // what routes read: each read waits for the reindexes of writes already answered (a push answers before its reindex)
  const readCatalog = new ReadBarrierCatalog(catalog, indexer);
  // the diffs of consecutive versions, computed after each write and kept on disk; the fill after ready reads the
  // versions from the catalog (what the heal just brought up to date), so neither the heal nor a reindex runs git diff
  const precompute = new DiffPrecompute(diffStore, {
    versions: async (t) => {
      const { gitDir, index } = await registry.snapshot(t);
      return { gitDir, versions: index.versions.map((v) => ({ version: v.version, commit: v.ref.commit, tree: v.ref.tree })) };
    },
    texts: (gitDir, tree) => registry.yamlTexts(gitDir, tree),
    everyTemplate: async function* (): AsyncGenerator<TemplateVersions> {
      for (const id of (await catalog.stamps()).keys()) {
        const [ns = '', name = ''] = id.split('/');
        // versions and trees only: reading every template's records would parse (and keep) their whole changelogs
        yield { gitDir: store.gitDir(parseTemplateId(ns, name)), versions: await catalog.versionTrees(id) };
      }
    },
  }, (msg) => log.warn(msg), (ms) => drain.isQuiet(ms)); // `drain` is made with the server, below: the fill starts once it serves
  const differ = new Differ(objects, { store: diffStore, again: precompute.again });
  // every write is announced once; these subscribers replace what routes used to do themselves
  const events = new WriteEvents((who, e) => log.error(`after a write, ${who} failed: ${e.message}`));
  events.subscribe('caches', (e) => { if (e.template) registry.refsChanged(store.gitDir(e.template)); });
  events.subscribe('diffs', precompute.onWrite); // queues only: the diffs are computed after the write's answer
  events.subscribe('catalog', indexer.onWrite); // starts the reindex, off the write's clock; readCatalog's reads wait for it
  events.subscribe('housekeeping', (e) => { if (e.action === 'push' && e.ok && e.template) housekeeper.afterPush(store.gitDir(e.template)); });
  const answers = new AnswerCache(config.answerCacheBytes);
  const cached = new CachedReads({ cache: answers, registry, settings, catalog: readCatalog, onAnswered: (r) => accessed(r) });
  // a receive-pack not taken by its POST within 10 s is ended (the client computes its pack meanwhile)
  const prestarts = new ReceivePrestarts<PushSession<PushContext>>(10_000);
  const metrics = new Metrics({ gitRunning: runningGit, catFileReaders: () => pool.size, readsWaiting: () => pool.waitingReads, indexBehind: () => indexer.behind, objectCache: () => objects.cacheStats(),
    answerCache: () => ({ hits: answers.hits, misses: answers.misses, bytes: answers.bytes, entries: answers.size }),
    diffStore: () => ({ ...diffStore.stats(), queued: precompute.queued, ...precompute.counts }),
    packCache: packCache ? () => packCache.stats() : null, receivePrestarts: () => ({ taken: prestarts.taken, unused: prestarts.unused }) });
  events.subscribe('metrics', metrics.onWrite);
  const auditIndex = new AuditIndex(audit.file, catalog, (msg) => log.warn(msg));
  // the file is the record, appended before the write answers; the index takes what was appended
  // (by the server or the CLI) when the audit is read, not on every write's clock
  events.subscribe('audit', (e) => audit.record(auditEntryOf(e)));
  // ready only once the index agrees with git: a listing is never silently partial
  // a git killed with the last server (kill -9, a power cut) may have left a ref locked for good: the
  // heal's walk of every repository's folders finds such locks, removed before any git runs here
  const healed = await indexer.heal({
    onLocks: (paths) => { for (const f of removeLocks(paths)) log.warn(`removed ${f}, left by a git process that was killed while it held it`); },
  });
  const audited = await auditIndex.catchUp(); // the table is derived: whatever the file has beyond it is read in now
  if (audited > 0) log.info(`audit index: ${audited} entries read from ${audit.file}`);
  // said only when the index had to catch up with git (an unchanged start is quiet)
  const healNote = `catalog: ${healed.unchanged} templates unchanged, ${healed.added} added, ${healed.changed} changed, ${healed.removed} removed, ${healed.failed} unreadable (${healed.ms} ms)`;
  if (healed.added + healed.changed + healed.removed + healed.failed > 0) log.info(healNote); else log.debug(healNote);
  const publisher = new Publisher(store, registry, events);
  const accessed = (r: AccessRecord) => { log.access(r); metrics.observeRequest(r); };
  // `drain` is made with the server, below; these closures run only once it serves
  const readiness = new Readiness({ stateDir: store.stateDir, indexBehind: () => indexer.behind, isShuttingDown: () => drain.isDraining });
  const app = createHttpApp({ store, registry, catalog: readCatalog, auditCaughtUp: () => auditIndex.catchUp(), publisher, differ, settings, events, access, tokenStore, links, sessions, log, readiness, metrics, cached, metricsToken: config.metricsToken, publicUrl: config.publicUrl, reposDir: config.reposDir, maxBodyBytes: config.maxBodyBytes, maxFileBytes: config.maxFileBytes,
    webSessions: new MemoryWebSessions(SESSION_SECONDS * 1000, MAX_SESSIONS), assets: loadAssets(), sessionSeconds: SESSION_SECONDS });
  const preReceive = preReceiveHandler({ registry, sessions, log, events }); // the pusher waits for it: no Express in between
  // the git remote, before Express too: its routing was a third of the CPU of a request answered from memory
  const gitRemote = gitRouter({ store, registry, access, sessions, log, hookAddress, housekeeper, packCache, receiveAdverts, prestarts, maxNegotiationBytes: config.maxNegotiationBytes, gitIdleMs: config.gitIdleMs, maxPushBytes: config.maxPushBytes, maxGitProcesses: config.maxGitProcesses });
  const server = http.createServer((req, res) => {
    takeLink(req); // a read link in the path becomes the request's credential, before anything reads the URL
    // an answer from memory is sent at once (no 'close' listener to count it in flight: it cost as much as the answer); it logs its own line
    if (!drain.isDraining && cached.answer(req, res)) { drain.onAnsweredAtOnce(); return; }
    drain.onRequest(res);
    logAccess(req, res, accessed); // after takeLink: the access line never sees a link
    if (req.method === 'POST' && req.url === PRE_RECEIVE_PATH) { noteRoute(req, PRE_RECEIVE_PATH); preReceive(req, res); return; }
    gitRemote(req, res, () => app(req, res));
  });
  const drain = new Drain(server);
  // Pushes of large templates over slow links outlast Node's 300 s default (GIT-HTTP.md §1.6).
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  let closing: Promise<void> | null = null;
  const url = () => {
    if (!address) throw new Error('the server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  };
  return {
    server,
    express: app,
    url,
    listen: () => new Promise((resolve, reject) => {
      const failed = (e: Error) => reject(new StartupError(`cannot listen on ${config.host}:${config.port}: ${systemReason(e)}`));
      server.once('error', failed);
      server.listen(config.port, config.host, () => {
        server.off('error', failed);
        address = server.address() as AddressInfo;
        precompute.fill(); // once ready, in the background: the pairs no earlier run kept
        resolve(url());
      });
    }),
    close: (graceMs = config.shutdownGraceMs) => {
      closing ??= (async () => {
        const { cut } = await drain.drain(graceMs);
        // git left running (a push whose client was cut, a publish's update-ref) is stopped: SIGTERM, then SIGKILL after 5 s
        const stopped = cut > 0 ? await stopAllGit(5000) : 0;
        await precompute.close();
        if (cut > 0) log.warn(`shutdown: the grace period of ${Math.round(graceMs / 1000)} s is over; cut ${cut} connection${cut === 1 ? '' : 's'} and stopped ${stopped} git process${stopped === 1 ? '' : 'es'}`);
        await indexer.close(); // a write's reindex may still be reading (it runs after the write answered): it needs the readers
        pool.close();
        await auditIndex.settled();
        audit.close();
        catalog.close();
        await housekeeper.close();
        await packCache?.close();
      })();
      return closing;
    },
    settled: async () => { await indexer.settled(); await precompute.settled(); },
    abort: () => {
      signalAllGit('SIGTERM'); // git removes its lock files on SIGTERM: the next push is not blocked
      pool.close();
    },
  };
}
