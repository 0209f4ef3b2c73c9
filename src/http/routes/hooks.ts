// The internal endpoint git's pre-receive hook calls: checks a push while its objects are quarantined.
import { Router, text } from 'express';
import path from 'node:path';
import type { PushSessions } from '../../git/hooks/sessions';
import type { Registry } from '../../registry/registry';
import type { RefUpdate } from '../../registry/push-policy';
import type { Logger } from '../../log/logger';
import type { PushContext } from './git';

const OID = /^[0-9a-f]{40}$/;

/**
 * POST /_heater/hooks/pre-receive, authenticated by the one-time secret of a running push.
 * Answers 200 with "ok" or "refuse" on the first line and messages for the pusher after it.
 * Holds the repo's write lock from the check until receive-pack exits, so a concurrent push
 * is checked against the refs this one leaves.
 */
export function hooksRouter({ registry, sessions, log }: { registry: Registry; sessions: PushSessions<PushContext>; log: Logger }): Router {
  const r = Router();
  r.post('/_heater/hooks/pre-receive', text({ type: 'text/plain', limit: '16mb' }), async (req, res) => {
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const session = token ? sessions.find(token) : undefined;
    if (!session) { res.status(403).type('text/plain').send('refuse\nheater: this hook call does not belong to a running push\n'); return; }
    const { template, gitDir } = session.context;
    const env: Record<string, string> = {};
    const updates: RefUpdate[] = [];
    for (const line of String(req.body).split('\n')) {
      const sp = line.indexOf(' ');
      const key = line.slice(0, sp);
      const value = line.slice(sp + 1);
      if (key === 'update') {
        const [old = '', neu = '', ref = ''] = value.split(' ');
        if (OID.test(old) && OID.test(neu) && ref.startsWith('refs/')) updates.push({ old, new: neu, ref });
      } else if (key === 'quarantine' || key === 'objects' || key === 'alternates') {
        // git's own paths; still, nothing outside this repo is handed to a git process
        const inside = value.split(':').filter(Boolean).every((p) => path.resolve(gitDir, p).startsWith(`${gitDir}${path.sep}`));
        if (value && inside) env[{ quarantine: 'GIT_QUARANTINE_PATH', objects: 'GIT_OBJECT_DIRECTORY', alternates: 'GIT_ALTERNATE_OBJECT_DIRECTORIES' }[key]] = value;
      }
    }
    const t0 = process.hrtime.bigint();
    const release = await registry.locks.acquire(gitDir);
    session.onEnd.push(release);
    try {
      const verdict = await registry.checkPush(template, gitDir, updates, env);
      log.debug(`${template.id}: pre-receive check of ${updates.length} update(s) took ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)} ms`);
      if (!verdict.ok) log.info(`${template.id}: push refused: ${verdict.messages.join(' ')}`);
      res.type('text/plain').send(`${verdict.ok ? 'ok' : 'refuse'}\n${verdict.messages.map((m) => `heater: ${m}\n`).join('')}`);
    } catch (e) {
      release();
      throw e;
    }
  });
  return r;
}
