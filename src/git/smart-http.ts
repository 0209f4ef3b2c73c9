// git's smart HTTP protocol over streams: the service table, ref advertisement and stateless RPC.
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip, gunzip, gunzipSync } from 'node:zlib';
import { pipeline } from 'node:stream';
import { gitEnv, gitErrorText, spawnGit, spawnGitToFile } from './exec';
import { mayKeep, type ResponseCache } from './response-cache';
import type { ReceiveAdverts } from './receive-advert';
import type { RefSnapshot } from './refs';
import { configStamp } from './refs-stamp';
import { InvalidInputError } from '../errors/invalid-input-error';
import { TooLargeError, UnsupportedMediaTypeError } from '../errors/limit-error';

export type Service = 'git-upload-pack' | 'git-receive-pack';

/**
 * The two services Heater serves, as git's http-backend.c `rpc_service` table has them. `config` goes
 * before the command: receive-pack leaves `gc --auto` to the server's Housekeeper (housekeeping.ts).
 */
export const SERVICES: Readonly<Record<Service, { readonly command: string; readonly write: boolean; readonly config: readonly string[] }>> = Object.freeze({
  // refs/heater is Heater's own state: hidden here too, so repos made before the setting existed hide it as well
  'git-upload-pack': { command: 'upload-pack', write: false, config: ['-c', 'transfer.hideRefs=refs/heater'] },
  'git-receive-pack': { command: 'receive-pack', write: true, config: ['-c', 'transfer.hideRefs=refs/heater', '-c', 'receive.autogc=false'] },
});

export function isService(s: unknown): s is Service {
  return s === 'git-upload-pack' || s === 'git-receive-pack';
}

// Gitea's guard (routers/web/repo/githttp.go): only key=value pairs, so nothing else reaches GIT_PROTOCOL.
const GIT_PROTOCOL = /^[0-9a-zA-Z]+=[0-9a-zA-Z]+(:[0-9a-zA-Z]+=[0-9a-zA-Z]+)*$/;

/** The no-cache headers git's http-backend sends on every smart response. */
function noCache(res: ServerResponse): void {
  res.setHeader('Expires', 'Fri, 01 Jan 1980 00:00:00 GMT');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Cache-Control', 'no-cache, max-age=0, must-revalidate');
}

/** GIT_PROTOCOL for the child, from a validated Git-Protocol header; {} when absent or malformed. */
export function protocolEnv(header: string | string[] | undefined): Record<string, string> {
  return typeof header === 'string' && header.length <= 256 && GIT_PROTOCOL.test(header) ? { GIT_PROTOCOL: header } : {};
}

const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;

export interface Child {
  readonly env: Readonly<Record<string, string>>;
  /**
   * More environment, read only when git is about to start (an answer sent from the pack cache starts
   * none) and only with `config` (the pack cache's hook reads it).
   */
  readonly spawnEnv?: () => Readonly<Record<string, string>>;
  /**
   * `-c` options of this request, after the service's own (the pack cache's hook for an upload-pack).
   * Not given to a git whose whole answer is being kept (`answers`): the pack would be kept twice.
   */
  readonly config?: readonly string[];
  /** Where upload-pack answers to identical requests are kept (the pack cache); none: every request runs git. */
  readonly answers?: ResponseCache;
  /** A git process that neither reads nor writes for this long is stopped (a client that stalled). */
  readonly idleMs: number;
  /**
   * Called just before git is started, and only then (a cached advertisement or a negotiation body
   * still arriving holds none); may throw, BusyError at the server's limit of git processes.
   */
  readonly takeSlot?: () => void;
  /**
   * A receive-pack already started for this push (receive-prestart.ts), with this request's
   * environment, as startReceivePack starts one; none: rpc starts git.
   */
  readonly started?: ChildProcessWithoutNullStreams;
  /** Run when git exits; a push's response ends only once it has resolved (its write is then known everywhere). */
  readonly onExit?: (code: number | null) => void | Promise<void>;
  /**
   * For a receive-pack advertisement: where it is made from memory (receive-advert.ts) and the
   * repo's current ref snapshot, undefined when it is not in memory; none: git always makes it.
   */
  readonly pushRefs?: { readonly adverts: ReceiveAdverts; readonly refs: () => RefSnapshot | undefined };
  /** `warn` for what an operator should look at (git failed, a client stalled), `info` for what clients do (go away). */
  readonly log: { readonly warn: (msg: string) => void; readonly info: (msg: string) => void };
}

/**
 * GET info/refs?service=…: the ref advertisement of `gitDir`, as `git <svc> --stateless-rpc
 * --http-backend-info-refs` writes it. Sent from memory when it can be (a v2 upload-pack
 * advertisement kept per config stamp; a receive-pack one made from the ref snapshot,
 * receive-advert.ts), else streamed from git, whose answer then teaches those caches.
 */
export function advertise(gitDir: string, service: Service, req: IncomingMessage, res: ServerResponse, child: Child): void {
  const proto = protocolEnv(req.headers['git-protocol']);
  const protocol = proto.GIT_PROTOCOL ?? '';
  const v2 = service === 'git-upload-pack' && /(^|:)version=2(:|$)/.test(protocol);
  // http-backend leaves out the "# service" preamble for v2; v0/v1 clients require it.
  const preamble = v2 ? '' : `${pkt(`# service=${service}\n`)}0000`;
  // A v2 advertisement lists capabilities, not refs: it depends only on git and the repo's config,
  // so it is kept per repo, keyed by the config file's stamp, and a clone or fetch spawns one git less.
  const stamp = v2 ? configStamp(gitDir, protocol) : '';
  const known = v2 ? v2Adverts.get(gitDir) : undefined;
  const pushRefs = service === 'git-receive-pack' ? child.pushRefs : undefined;
  const body = known && known.stamp === stamp ? known.body : pushRefs?.adverts.answer(gitDir, pushRefs.refs(), protocol);
  if (body) {
    res.writeHead(200, { 'Content-Type': `application/x-${service}-advertisement`, Expires: 'Fri, 01 Jan 1980 00:00:00 GMT', Pragma: 'no-cache', 'Cache-Control': 'no-cache, max-age=0, must-revalidate' });
    res.end(preamble ? Buffer.concat([Buffer.from(preamble, 'latin1'), body]) : body);
    return;
  }
  child.takeSlot?.();
  const keep = v2 && stamp
    ? (output: Buffer) => {
      v2Adverts.set(gitDir, { stamp, body: output });
      if (v2Adverts.size > 4096) v2Adverts.delete(v2Adverts.keys().next().value as string);
    }
    : pushRefs?.adverts.learner(gitDir, protocol, pushRefs.refs);
  const git = spawnGit([...SERVICES[service].config, SERVICES[service].command, '--stateless-rpc', '--http-backend-info-refs', gitDir],
    { env: gitEnv({ ...child.env, ...proto }) });
  git.stdin.end();
  res.statusCode = 200;
  res.setHeader('Content-Type', `application/x-${service}-advertisement`);
  noCache(res);
  if (preamble) res.write(preamble);
  if (keep) {
    const chunks: Buffer[] = [];
    git.stdout.on('data', (d: Buffer) => chunks.push(d));
    git.on('close', (code) => { if (code === 0) keep(Buffer.concat(chunks)); });
  }
  stream(git, res, service, child, false);
}

const v2Adverts = new Map<string, { stamp: string; body: Buffer }>();

/**
 * POST /git-upload-pack or /git-receive-pack: checks the content type, inflates gzip, and pipes the
 * body through `git <svc> --stateless-rpc`. upload-pack bodies (negotiation) are read whole first,
 * capped at `maxNegotiationBytes` inflated, as http-backend and Workhorse do, so a slow client never
 * holds a git process or a git slot; receive-pack bodies (packs) are streamed with back-pressure.
 * Throws InvalidInputError, TooLargeError or UnsupportedMediaTypeError before anything is sent.
 */
export async function rpc(gitDir: string, service: Service, req: IncomingMessage, res: ServerResponse, child: Child, maxNegotiationBytes: number): Promise<void> {
  const expected = `application/x-${service}-request`;
  if (req.headers['content-type'] !== expected) {
    throw new UnsupportedMediaTypeError(`POST /${service} needs Content-Type ${expected}, not ${req.headers['content-type'] ?? 'none'}.`);
  }
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding !== '' && encoding !== 'gzip' && encoding !== 'x-gzip' && encoding !== 'identity') {
    throw new UnsupportedMediaTypeError(`Content-Encoding ${encoding} is not supported; use gzip or none.`);
  }
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (service === 'git-upload-pack') {
    const proto = protocolEnv(req.headers['git-protocol']);
    const sent = await readCapped(req, gzip ? sentCap(maxNegotiationBytes) : maxNegotiationBytes, maxNegotiationBytes);
    let body = gzip ? null : sent;
    const answers = child.answers;
    let key = answers?.keyOf(gitDir, proto.GIT_PROTOCOL ?? '', sent, gzip) ?? null;
    // a request whose answer is kept was looked at when it was made: the same bytes are not inflated again
    if (key !== null && !answers?.has(key)) {
      body ??= await inflateCapped(sent, maxNegotiationBytes);
      if (!mayKeep(body)) key = null;
    }
    if (answers && key !== null) {
      const answered = await answers.answer(key, res, {
        run: (stdout) => {
          child.takeSlot?.();
          // An answer being kept whole is made without the pack cache's hook (no `config`, no
          // `spawnEnv`): identical requests are sent that answer and wait for it while it is made, so
          // keeping its pack as well would only write it twice. The hook's own processes (11 forks,
          // 8 execs: bash, cat, sha256sum, flock, tee, mv, rm) cost a clone of the small bench repo
          // 17 ms of CPU over pack-objects' 12 ms. Fetches that say what they have, whose answers
          // are never kept, still share packs through the hook (below).
          const git = spawnGitToFile(rpcArgs(service, gitDir), { env: gitEnv({ ...child.env, ...proto }), stdout });
          git.stdin.on('error', () => { /* as below: EPIPE is expected */ });
          // inflated here only when the answer has() found went away or failed meanwhile (these bytes inflated well before)
          git.stdin.end(body ?? gunzipSync(sent, { maxOutputLength: maxNegotiationBytes }));
          return git;
        },
        start: () => startResult(res, service),
        log: child.log,
        idleMs: child.idleMs,
      });
      if (answered) {
        await child.onExit?.(null); // the answer may have added to the cache: the caller sweeps
        return;
      }
    }
    body ??= await inflateCapped(sent, maxNegotiationBytes); // null only for gzip
    child.takeSlot?.(); // only now: a client sending its negotiation slowly holds no git slot
    const git = spawnGit(rpcArgs(service, gitDir, child.config), { env: gitEnv({ ...child.env, ...child.spawnEnv?.(), ...proto }) });
    git.stdin.on('error', () => { /* upload-pack may exit before reading all (shallow, v0): EPIPE is expected */ });
    git.stdin.end(body);
    startResult(res, service);
    stream(git, res, service, child, false);
    return;
  }
  child.takeSlot?.();
  const git = child.started ?? startReceivePack(gitDir, child.env, req.headers['git-protocol']);
  git.stdin.on('error', () => { /* reported through the exit code */ });
  const source = gzip ? req.pipe(createGunzip()) : req;
  pipeline(source, git.stdin, (err) => {
    if (err) child.log.info(`receive-pack input ended early: ${err.message}`);
  });
  startResult(res, service);
  stream(git, res, service, child, true, req);
}

/** `git <service> --stateless-rpc <gitDir>` with the service's `-c` options, then `config`. */
function rpcArgs(service: Service, gitDir: string, config: readonly string[] = []): string[] {
  return [...SERVICES[service].config, ...config, SERVICES[service].command, '--stateless-rpc', gitDir];
}

/** Starts the receive-pack of a push as rpc does, with the request's environment (`env`, and its Git-Protocol header). */
export function startReceivePack(gitDir: string, env: Readonly<Record<string, string>>, gitProtocol: string | string[] | undefined): ChildProcessWithoutNullStreams {
  return spawnGit(rpcArgs('git-receive-pack', gitDir), { env: gitEnv({ ...env, ...protocolEnv(gitProtocol) }) });
}

/** Status, content type and no-cache headers of an RPC result. */
export function startResult(res: ServerResponse, service: Service): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', `application/x-${service}-result`);
  noCache(res);
}

/** Pipes the child's stdout to the response; on a client disconnect stops the child (see below). */
function stream(git: ChildProcess, res: ServerResponse, service: Service, child: Child, gentle: boolean, input?: IncomingMessage): void {
  let idle: NodeJS.Timeout | undefined;
  // why git is being stopped, when it is the client's doing: then its exit is not git's failure
  let stoppedBecause: 'stalled' | 'gone' | null = null;
  let sent = 0;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      stoppedBecause = 'stalled';
      child.log.warn(`git ${service} moved no data for ${Math.round(child.idleMs / 1000)} s; stopped it`);
      git.kill('SIGTERM');
      res.destroy();
    }, child.idleMs);
  };
  arm();
  git.stdout?.on('data', (d: Buffer) => { sent += d.length; arm(); });
  input?.on('data', arm);
  let stderr = '';
  git.stderr?.on('data', (d: Buffer) => { if (stderr.length < 8192) stderr += d.toString('utf8'); });
  // a push's response is ended by hand, after onExit: a client that pushes and then reads sees its push
  git.stdout?.pipe(res, { end: !gentle });
  let killTimer: NodeJS.Timeout | undefined;
  res.on('close', () => {
    if (res.writableFinished || git.exitCode !== null) return;
    stoppedBecause ??= 'gone';
    // A reader is cut at once. A push is ended by closing its input: receive-pack then fails on the
    // short pack and removes its quarantine itself, or, if the pack was whole, finishes the update
    // the client asked for. SIGTERM (which git also cleans up on) only if it lingers.
    if (!gentle) { git.kill('SIGTERM'); return; }
    git.stdin?.destroy();
    killTimer = setTimeout(() => git.kill('SIGTERM'), 30_000);
  });
  git.on('error', (e) => { child.log.warn(`git ${service} failed to start: ${e.message}`); res.destroy(e); });
  git.on('close', (code, signal) => {
    clearTimeout(idle);
    if (killTimer) clearTimeout(killTimer);
    // a client that hangs up mid-clone is ordinary: what git then says (progress, a broken pipe) is noise
    if (stoppedBecause === 'gone') child.log.info(`the client went away during ${service} after ${sent} bytes; its git was stopped`);
    else if (stoppedBecause === null && code !== 0 && stderr.trim()) child.log.warn(`git ${service} exited ${code ?? signal}: ${gitErrorText(stderr) || 'only progress on stderr'}`);
    const exited = Promise.resolve(child.onExit?.(code)).catch((e: Error) => child.log.warn(`after git ${service} exited: ${e.message}`));
    if (gentle) {
      // git has said everything; the answer waits for the write to be announced, but never more than 30 s
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => { timer = setTimeout(() => { child.log.warn(`announcing a ${service} took over 30 s; answered the client without waiting`); resolve(); }, 30_000); });
      void Promise.race([exited, late]).finally(() => { clearTimeout(timer); if (!res.writableEnded) res.end(); });
    }
  });
}

/** How much of a gzip body is read before it is inflated: a little more than `max` (deflate's stored blocks add 5 bytes in 16 KiB). */
const sentCap = (max: number) => max + (max >> 8) + 1024;

const tooLarge = (max: number) => new TooLargeError(`The fetch negotiation is larger than ${max >= 1048576 ? `${Math.round(max / 1048576)} MiB` : `${Math.ceil(max / 1024)} KiB`}; fetch fewer refs at a time.`);

/** Reads a request body whole as sent, failing past `cap` bytes (TooLargeError naming the limit `max`). */
function readCapped(req: IncomingMessage, cap: number, max: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    const fail = (e: Error) => { if (!done) { done = true; req.resume(); reject(e); } };
    req.on('data', (d: Buffer) => {
      if (done) return;
      n += d.length;
      if (n > cap) { fail(tooLarge(max)); return; }
      chunks.push(d);
    });
    // a client that goes away mid-body is the client's doing, not a server failure to log as one
    req.on('error', () => fail(new InvalidInputError('body', 'The fetch negotiation was cut short: the client went away before sending all of it.')));
    req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks)); } });
  });
}

/**
 * A gzip body inflated in one call, capped at `max` bytes by zlib itself (a streaming gunzip cost a
 * clone's 7 KB request 290 us, one call 180 us). Throws TooLargeError or InvalidInputError.
 */
function inflateCapped(sent: Buffer, max: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    gunzip(sent, { maxOutputLength: max }, (e, out) => {
      if (!e) resolve(out);
      else reject((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(max) : new InvalidInputError('body', `The request body is not valid gzip: ${e.message}.`));
    });
  });
}
