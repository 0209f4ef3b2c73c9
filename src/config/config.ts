// Configuration: one key table (flag, env var, default, parser), parsed once at start-up and frozen.
import path from 'node:path';
import { isIP } from 'node:net';
import { ConfigError } from '../errors/config-error';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Absolute path of the data directory: repos/<namespace>/<name>.git, plus .heater/ for server state. */
  readonly reposDir: string;
  /** Base URL used in clone URLs; when empty, derived from the request's Host header. */
  readonly publicUrl: string;
  /** When set, the admin token; otherwise one is generated at first start and stored hashed. */
  readonly adminToken: string;
  readonly logLevel: LogLevel;
  /** Longest a single request (a push upload, a clone) may take, in milliseconds; 0 = no limit. */
  readonly requestTimeoutMs: number;
  /** Whether namespaces that set nothing are readable without a token. */
  readonly anonymousRead: boolean;
  /** The semver policy of namespaces that set none: warn, enforce or off. */
  readonly semver: 'warn' | 'enforce' | 'off';
  /** A git process serving a client that moves no data for this long is stopped, in milliseconds. */
  readonly gitIdleMs: number;
  /** Largest REST request body (a publish upload), in bytes. */
  readonly maxBodyBytes: number;
  /** Largest file a version may hold, pushed or published, in bytes. */
  readonly maxFileBytes: number;
  /** Largest pack a push may send (git's receive.maxInputSize), in bytes. */
  readonly maxPushBytes: number;
  /** Most git processes serving clients at once; more requests get 503 and Retry-After. */
  readonly maxGitProcesses: number;
  /** Failed authentications from one address within a minute before its further failing ones get 429. */
  readonly maxAuthFailures: number;
  /** Addresses and CIDR ranges of reverse proxies whose X-Forwarded-For names the client. */
  readonly trustedProxies: readonly string[];
  /** Cap on the inflated body of one upload-pack request (want/have negotiation). */
  readonly maxNegotiationBytes: number;
  /** Bytes of blob content kept in memory, keyed by object id. */
  readonly cacheBytes: number;
  /** Bytes of whole read answers kept in memory for anonymous GETs (0: none). */
  readonly answerCacheBytes: number;
  /** Bytes of precomputed diffs of consecutive versions kept on disk (.heater/diffs/); 0 = none are precomputed. */
  readonly diffStoreBytes: number;
  /** Most repositories with a live `git cat-file` reader at once. */
  readonly maxReaders: number;
  /** After SIGTERM/SIGINT, how long requests in flight (clones, pushes, publishes) may take to finish before they are cut, in milliseconds. */
  readonly shutdownGraceMs: number;
  /** Bytes of pack data the pack-objects cache may keep on disk (identical clones share one pack); 0 = no cache. */
  readonly packCacheBytes: number;
  /** A pack-cache entry unused for this long is removed, in milliseconds. */
  readonly packCacheMaxAgeMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <this>`; when empty, /metrics is open. */
  readonly metricsToken: string;
}

interface Key<K extends keyof Config> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly fallback: string;
  /** What --help and the README say the default is, when it is not `fallback` itself (an empty fallback, say). */
  readonly shownDefault?: string;
  readonly help: string;
  readonly parse: (raw: string, cwd: string) => Config[K];
}

const integer = (min: number, max: number) => (raw: string): number => {
  if (!/^\d+$/.test(raw)) throw new Error(`must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`must be between ${min} and ${max}, got ${n}`);
  return n;
};
const mebibytes = (min: number, max: number) => (raw: string): number => integer(min, max)(raw) * 1024 * 1024;
/** A list of IPv4/IPv6 addresses and CIDR ranges (`10.0.0.0/8`), separated by commas or spaces. */
const addresses = (raw: string): readonly string[] => Object.freeze(raw.split(/[\s,]+/).filter(Boolean).map((item) => {
  const [ip = '', bits, extra] = item.split('/');
  const family = isIP(ip);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) {
    throw new Error(`must list IP addresses or CIDR ranges (10.0.0.0/8, fd00::/8), got "${item}"`);
  }
  return item;
}));

/** A secret given by the operator: empty (none), or 16 to 256 printable characters without spaces. */
const secret = (raw: string): string => {
  if (raw !== '' && !/^[\x21-\x7e]{16,256}$/.test(raw)) throw new Error('must be 16 to 256 printable characters without spaces');
  return raw;
};

/** Every configuration key. The README's table and `--help` are generated from this list. */
export const KEYS: readonly Key<keyof Config>[] = [
  { key: 'host', flag: '--host', env: 'HEATER_HOST', fallback: '127.0.0.1', help: 'address to listen on',
    parse: (raw) => { if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) throw new Error(`must be a host name or IP address, got "${raw}"`); return raw; } },
  { key: 'port', flag: '--port', env: 'HEATER_PORT', fallback: '8080', help: 'TCP port; 0 picks any free port', parse: integer(0, 65535) },
  { key: 'reposDir', flag: '--repos', env: 'HEATER_REPOS', fallback: './repos', help: 'data directory holding <namespace>/<name>.git',
    parse: (raw, cwd) => { if (raw.includes('\0')) throw new Error('must not contain NUL'); return path.resolve(cwd, raw); } },
  { key: 'publicUrl', flag: '--public-url', env: 'HEATER_PUBLIC_URL', fallback: '', shownDefault: 'from the Host header', help: 'base URL in clone URLs',
    parse: (raw) => {
      if (raw === '') return '';
      let url: URL;
      try { url = new URL(raw); } catch { throw new Error(`must be an absolute http(s) URL, got "${raw}"`); }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`must be an http or https URL, got "${raw}"`);
      return url.href.replace(/\/+$/, '');
    } },
  { key: 'adminToken', flag: '--admin-token', env: 'HEATER_ADMIN_TOKEN', fallback: '', shownDefault: 'generated at first start, stored hashed', help: 'the admin token',
    parse: secret },
  { key: 'logLevel', flag: '--log-level', env: 'HEATER_LOG_LEVEL', fallback: 'info', help: 'error, warn, info or debug',
    parse: (raw) => { if (raw !== 'error' && raw !== 'warn' && raw !== 'info' && raw !== 'debug') throw new Error(`must be error, warn, info or debug, got "${raw}"`); return raw; } },
  { key: 'requestTimeoutMs', flag: '--request-timeout', env: 'HEATER_REQUEST_TIMEOUT', fallback: '3600', help: 'seconds one request (a long push) may take; 0 = no limit',
    parse: (raw) => integer(0, 86400)(raw) * 1000 },
  { key: 'anonymousRead', flag: '--anonymous-read', env: 'HEATER_ANONYMOUS_READ', fallback: 'true', help: 'namespaces readable without a token unless they say otherwise: true or false',
    parse: (raw) => { if (raw !== 'true' && raw !== 'false') throw new Error(`must be true or false, got "${raw}"`); return raw === 'true'; } },
  { key: 'semver', flag: '--semver', env: 'HEATER_SEMVER', fallback: 'warn', help: 'default semver policy of namespaces: warn, enforce or off',
    parse: (raw) => { if (raw !== 'warn' && raw !== 'enforce' && raw !== 'off') throw new Error(`must be warn, enforce or off, got "${raw}"`); return raw; } },
  { key: 'gitIdleMs', flag: '--git-idle-timeout', env: 'HEATER_GIT_IDLE_TIMEOUT', fallback: '300', help: 'seconds a clone or push may stall before its git is stopped',
    parse: (raw) => integer(1, 86400)(raw) * 1000 },
  { key: 'maxBodyBytes', flag: '--max-body-mb', env: 'HEATER_MAX_BODY_MB', fallback: '64', help: 'MiB a REST request body (a publish) may be', parse: mebibytes(1, 4096) },
  { key: 'maxFileBytes', flag: '--max-file-mb', env: 'HEATER_MAX_FILE_MB', fallback: '16', help: 'MiB the largest file may be, pushed or published', parse: mebibytes(1, 4096) },
  { key: 'maxPushBytes', flag: '--max-push-mb', env: 'HEATER_MAX_PUSH_MB', fallback: '100', help: 'MiB a push may send', parse: mebibytes(1, 1048576) },
  { key: 'maxGitProcesses', flag: '--max-git', env: 'HEATER_MAX_GIT', fallback: '32', help: 'git processes serving clients at once (more: 503)', parse: integer(1, 10000) },
  { key: 'maxAuthFailures', flag: '--max-auth-failures', env: 'HEATER_MAX_AUTH_FAILURES', fallback: '10', help: 'failed authentications per address per minute before its failing ones get 429', parse: integer(1, 100000) },
  { key: 'trustedProxies', flag: '--trusted-proxies', env: 'HEATER_TRUSTED_PROXIES', fallback: '', help: 'reverse proxies (IPs, CIDRs) whose X-Forwarded-For names the client', parse: addresses },
  { key: 'maxNegotiationBytes', flag: '--max-negotiation-mb', env: 'HEATER_MAX_NEGOTIATION_MB', fallback: '10', help: 'MiB cap on an inflated fetch negotiation body', parse: mebibytes(1, 1024) },
  { key: 'cacheBytes', flag: '--cache-mb', env: 'HEATER_CACHE_MB', fallback: '64', help: 'MiB of file content cached in memory', parse: mebibytes(0, 65536) },
  { key: 'answerCacheBytes', flag: '--answer-cache-mb', env: 'HEATER_ANSWER_CACHE_MB', fallback: '32', help: 'MiB of whole read answers (files, version lists, resolutions, listings) kept in memory for anonymous GETs; 0 turns it off', parse: mebibytes(0, 65536) },
  { key: 'diffStoreBytes', flag: '--diff-store-mb', env: 'HEATER_DIFF_STORE_MB', fallback: '256', help: 'MiB of precomputed diffs of consecutive versions kept on disk; 0 = none', parse: mebibytes(0, 1048576) },
  { key: 'maxReaders', flag: '--max-readers', env: 'HEATER_MAX_READERS', fallback: '32', help: 'repositories with a live git cat-file reader', parse: integer(1, 4096) },
  { key: 'shutdownGraceMs', flag: '--shutdown-grace', env: 'HEATER_SHUTDOWN_GRACE', fallback: '30', help: 'seconds requests in flight may take to finish after SIGTERM/SIGINT before they are cut',
    parse: (raw) => integer(0, 3600)(raw) * 1000 },
  { key: 'packCacheBytes', flag: '--pack-cache-mb', env: 'HEATER_PACK_CACHE_MB', fallback: '1024', help: 'MiB of packs kept on disk for identical clones and fetches (<repos>/.heater/pack-cache); 0 = off', parse: mebibytes(0, 1048576) },
  { key: 'packCacheMaxAgeMs', flag: '--pack-cache-max-age', env: 'HEATER_PACK_CACHE_MAX_AGE', fallback: '86400', help: 'seconds a cached pack may go unused before it is removed',
    parse: (raw) => integer(1, 31_536_000)(raw) * 1000 },
  { key: 'metricsToken', flag: '--metrics-token', env: 'HEATER_METRICS_TOKEN', fallback: '', shownDefault: 'none: /metrics is open', help: 'bearer token GET /metrics requires',
    parse: secret },
];

/** The server's options for `--help`, one line per key of KEYS: flag, environment variable, meaning, default. */
export function usage(): string {
  const flagWidth = Math.max(...KEYS.map((k) => k.flag.length)) + ' <value>'.length;
  const envWidth = Math.max(...KEYS.map((k) => k.env.length));
  const rows = KEYS.map((k) => `  ${`${k.flag} <value>`.padEnd(flagWidth)}  ${k.env.padEnd(envWidth)}  ${k.help} (default: ${k.shownDefault ?? (k.fallback === '' ? 'none' : k.fallback)})`);
  return ['Server options (each can also be set by its environment variable; flags win):', ...rows, ''].join('\n');
}

/** Parses flags (`--port 9000` or `--port=9000`) over environment over defaults; throws ConfigError listing every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv, argv: readonly string[], cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const fromFlags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const known = KEYS.find((k) => k.flag === flag);
    if (!known) { problems.push(`unknown option "${flag}" (see --help)`); continue; }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) { problems.push(`${flag} needs a value`); continue; }
    fromFlags.set(known.env, value);
  }
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    const raw = fromFlags.get(k.env) ?? env[k.env] ?? k.fallback;
    try { out[k.key] = k.parse(raw, cwd); } catch (e) { problems.push(`${k.env} (${k.flag}) ${(e as Error).message}`); }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out as unknown as Config);
}

/** A Config for tests: defaults, a port of 0, quiet logs and a 10 s shutdown grace, with `overrides` on top. */
export function testConfig(overrides: Partial<Config> & { reposDir: string }): Config {
  const base = loadConfig({ HEATER_PORT: '0', HEATER_LOG_LEVEL: 'error', HEATER_SHUTDOWN_GRACE: '10' }, []);
  return Object.freeze({ ...base, ...overrides });
}
