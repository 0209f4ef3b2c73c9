// The internal endpoint git's pre-receive hook calls: checks a push while its objects are quarantined.
import { Router, text, type Response } from 'express';
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

/**
 * POST /_heater/hooks/pre-receive, authenticated by the one-time secret of a running push.
 * Answers 200 with "ok" or "refuse" on the first line and messages for the pusher after it.
 * Holds the repo's write lock from the check until receive-pack exits, so a concurrent push
 * is checked against the refs this one leaves.
 */
export function hooksRouter({ registry, sessions, log, events }: { registry: Registry; sessions: PushSessions<PushContext>; log: Logger; events: WriteEvents }): Router {
  const r = Router();
  const refuse = (res: Response, status: number, why: string) => { res.status(status).type('text/plain').send(`refuse\nheater: ${why}\n`); };
  r.post('/_heater/hooks/pre-receive', (req, res, next) => {
    // the secret first: nobody else gets a body read
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const session = token ? sessions.find(token) : undefined;
    if (!session) { refuse(res, 403, 'this hook call does not belong to a running push'); return; }
    res.locals.session = session;
    next();
  }, text({ type: 'text/plain', limit: '4mb' }), async (req, res) => {
    const session = res.locals.session as PushSession<PushContext>;
    const { template, gitDir } = session.context;
    const env: Record<string, string> = {};
    const updates: RefUpdate[] = [];
    for (const line of String(req.body).split('\n')) {
      if (line === '') continue;
      const sp = line.indexOf(' ');
      const key = line.slice(0, sp);
      const value = line.slice(sp + 1);
      if (key === 'update') {
        const [old = '', neu = '', ref = ''] = value.split(' ');
        // anything but what git sends (SHA-1 ids, a ref) is refused, never skipped: a skipped update would go unchecked
        if (!OID.test(old) || !OID.test(neu) || !ref.startsWith('refs/')) { refuse(res, 200, `cannot check the ref update "${line.slice(7, 200)}"; Heater serves SHA-1 repositories only`); return; }
        updates.push({ old, new: neu, ref });
      } else if (key === 'quarantine' || key === 'objects' || key === 'alternates') {
        if (!value) continue;
        // git's own paths, resolved against the real data directory; nothing outside this repo reaches a git process
        const inside = value.split(':').filter(Boolean).every((p) => path.resolve(gitDir, p).startsWith(`${gitDir}${path.sep}`));
        if (!inside) { refuse(res, 200, 'the push\'s quarantine is outside its repository'); return; }
        env[{ quarantine: 'GIT_QUARANTINE_PATH', objects: 'GIT_OBJECT_DIRECTORY', alternates: 'GIT_ALTERNATE_OBJECT_DIRECTORIES' }[key]] = value;
      }
    }
    const t0 = process.hrtime.bigint();
    const release = await registry.locks.acquire(gitDir);
    if (session.ended) { release(); refuse(res, 200, 'the push ended while it waited for another one'); return; } // its onEnd already ran
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
      res.type('text/plain').send(`${verdict.ok ? 'ok' : 'refuse'}\n${verdict.messages.map((m) => `heater: ${m}\n`).join('')}`);
    } catch (e) {
      release();
      throw e;
    }
  });
  return r;
}
