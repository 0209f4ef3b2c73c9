// Access lines are written by hand for speed: they must say what pino itself would write for the same record.
import pino from 'pino';
import { accessLine } from '../../src/log/access-line';
import type { AccessRecord } from '../../src/log/logger';

/** The line pino writes for the record with Heater's options (as src/log/logger.ts sets them). */
function pinoLine(r: AccessRecord, now: number): string {
  let line = '';
  const p = pino({
    level: 'info', base: { pid: 4242 }, timestamp: () => `,"time":"${new Date(now).toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  }, { write: (l: string) => { line = l; } });
  p.info({ ...r, kind: 'access' }, `${r.method} ${r.route ?? '(no route)'} ${r.status} ${r.ms} ms`);
  return line;
}

const base: AccessRecord = { requestId: 'abc-1', method: 'GET', route: '/api/v1/templates/:ns/:name', template: 'acme/app', status: 200, bytes: 512, ms: 0.123, aborted: false };

test.each<[string, AccessRecord]>([
  ['a template read', base],
  ['no route, no template', { requestId: 'x', method: 'PROPFIND', route: null, status: 404, bytes: 0, ms: 12.5, aborted: true }],
  // keys in the order logAccess (src/http/access-log.ts) builds them
  ['a clone', { requestId: 'c', method: 'POST', route: '/:ns/:name.git/git-upload-pack', template: 'acme/app', service: 'git-upload-pack', status: 200, bytes: 9000, ms: 40, aborted: false }],
  ['a push with its refs', { requestId: 'p', method: 'POST', route: '/:ns/:name.git/git-receive-pack', template: 'acme/app', service: 'git-receive-pack', refs: [{ ref: 'refs/tags/v1.0.0', old: '', new: 'a'.repeat(40) }], updated: true, status: 200, bytes: 300, ms: 70.25, aborted: false }],
  ['a template name with quotes, backslashes, control and non-ASCII characters', { ...base, template: 'a"b\\c\u0001d/é\u2028' }],
])('%s: the same JSON, the same field order, as pino writes', (_what, r) => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0, 7);
  const ours = accessLine(r, 4242, now);
  const theirs = pinoLine(r, now);
  expect(ours.endsWith('\n')).toBe(true);
  expect(JSON.parse(ours)).toEqual(JSON.parse(theirs));
  expect(Object.keys(JSON.parse(ours) as object)).toEqual(Object.keys(JSON.parse(theirs) as object));
});
