// The internal endpoint git's pre-receive hook calls: checks a push while its objects are quarantined.
import { Router } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { PushSession, PushSessions } from '../../git/hooks/sessions';
import type { Registry } from '../../registry/registry';
import type { RefUpdate } from '../../registry/push-policy';
import type { Logger } from '../../log/logger';
import type { WriteEvents } from '../../events/write-events';
import { refValues } from '../../git/refs';
import type { PushContext } from './git';

const OID = /^[0-9a-f]{40}$/;
const ZERO = /^0{40}$/;

/** The path of the hook's endpoint. */
export const PRE_RECEIVE_PATH = '/_heater/hooks/pre-receive';
// The hook sends the ref updates and three paths: 4 MiB is tens of thousands of updates.
const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface HookDeps { registry: Registry; sessions: PushSessions<PushContext>; log: Logger; events: WriteEvents }

/**
 * POST /_heater/hooks/pre-receive, authenticated by the one-time secret of a running push.
 * Answers 200 with "ok" or "refuse" on the first line and messages for the pusher after it.
 * Holds the repo's write lock from the check until receive-pack exits, so a concurrent push
 * is checked against the refs this one leaves. A plain node:http handler: app.ts calls it in front
 * of Express (the pusher waits for this round trip), and the Express route below is the same.
 * Anything but a 200 "ok" refuses the push (the hook fails closed), errors included.
 */
export function preReceiveHandler(deps: HookDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    answerHook(deps, req, res).catch((e: unknown) => {
      deps.log.error(`pre-receive check failed: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, 'refuse\nheater: the server could not check this push\n');
      else res.destroy();
    });
  };
}

/** The Express route for the same endpoint (app.ts answers it before Express; this keeps the app whole on its own). */
export function hooksRouter(deps: HookDeps): Router {
  const r = Router();
  const handle = preReceiveHandler(deps);
  r.post(PRE_RECEIVE_PATH, (req, res) => { handle(req, res); });
  return r;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request body as text, or null past MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY_BYTES) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function answerHook({ registry, sessions, log, events }: HookDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const refuse = (status: number, why: string) => { send(res, status, `refuse\nheater: ${why}\n`); };
  // the secret first: nobody else gets a body read
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  const session = token ? sessions.find(token) : undefined;
  if (!session) { refuse(403, 'this hook call does not belong to a running push'); return; }
  if (!/^text\/plain\b/.test(req.headers['content-type'] ?? '')) { refuse(415, 'the hook sends text/plain'); return; }
  const body = await readBody(req);
  if (body === null) { refuse(413, 'the push names more ref updates than the server checks'); return; }
  const { template, gitDir } = session.context;
  const env: Record<string, string> = {};
  const updates: RefUpdate[] = [];
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'update') {
      const [old = '', neu = '', ref = ''] = value.split(' ');
      // anything but what git sends (SHA-1 ids, a ref) is refused, never skipped: a skipped update would go unchecked
      if (!OID.test(old) || !OID.test(neu) || !ref.startsWith('refs/')) { refuse(200, `cannot check the ref update "${line.slice(7, 200)}"; Heater serves SHA-1 repositories only`); return; }
      updates.push({ old, new: neu, ref });
    } else if (key === 'quarantine' || key === 'objects' || key === 'alternates') {
      if (!value) continue;
      // git's own paths, resolved against the real data directory; nothing outside this repo reaches a git process
      const inside = value.split(':').filter(Boolean).every((p) => path.resolve(gitDir, p).startsWith(`${gitDir}${path.sep}`));
      if (!inside) { refuse(200, 'the push\'s quarantine is outside its repository'); return; }
      env[{ quarantine: 'GIT_QUARANTINE_PATH', objects: 'GIT_OBJECT_DIRECTORY', alternates: 'GIT_ALTERNATE_OBJECT_DIRECTORIES' }[key]] = value;
    }
  }
  const t0 = process.hrtime.bigint();
  const release = await registry.locks.acquire(gitDir);
  if (session.ended) { release(); refuse(200, 'the push ended while it waited for another one'); return; } // its onEnd already ran
  session.onEnd.push(release);
  try {
    const verdict = await registry.checkPush(template, gitDir, updates, env);
    log.debug(`${template.id}: pre-receive check of ${updates.length} update(s) took ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms`);
    if (!verdict.ok) log.info(`${template.id}: push refused: ${verdict.messages.join(' ')}`);
    // once receive-pack has exited, record what the refs really became (a push can also fail after this check)
    session.onEnd.push(async () => {
      const now = await refValues(gitDir, updates.map((u) => u.ref)).catch(() => new Map<string, string>());
      const ok = verdict.ok && updates.every((u) => (now.get(u.ref) ?? '') === (ZERO.test(u.new) ? '' : u.new));
      const refs = updates.map((u) => ({ ref: u.ref, old: ZERO.test(u.old) ? '' : u.old, new: ZERO.test(u.new) ? '' : u.new }));
      session.updated = { refs, ok }; // for the push request's access line
      await events.emit({
        action: 'push', via: 'git', actor: { name: session.context.principal.name, address: session.context.address }, template, namespace: template.namespace,
        ok, refs, ...(verdict.ok ? {} : { detail: verdict.messages[0] ?? 'refused' }),
      });
    });
    send(res, 200, `${verdict.ok ? 'ok' : 'refuse'}\n${verdict.messages.map((m) => `heater: ${m}\n`).join('')}`);
  } catch (e) {
    release();
    throw e;
  }
}
