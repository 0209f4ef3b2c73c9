// The validation corpus through both doors: a git push of a version and a REST publish get the same verdict.
import { loadCorpus } from './hot-corpus/load';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo } from '../helpers/git-client';

const corpus = loadCorpus();
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const rulesOf = (e: 'valid' | string[], which: 'errors' | 'warnings' | 'all') => (e === 'valid' ? [] : e)
  .filter((l) => which === 'all' || (which === 'warnings') === /\swarning$/.test(l)).map((l) => l.split(/[:@\s]/)[0] ?? '').sort();
const slug = (name: string) => name.replace(/[^a-z0-9-]/g, '-').slice(0, 50);

test('the corpus is big enough to mean something', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(30);
  expect(corpus.filter((c) => c.expect === 'valid').length).toBeGreaterThanOrEqual(8);
});

test.each(corpus.map((c) => [c.name, c] as const))('%s: push and publish agree with the corpus', async (_name, c) => {
  const errors = rulesOf(c.expect, 'errors');
  // REST: 201 with the warnings, or 422 listing the errors
  const res = await fetch(`${server.url}/api/v1/templates/corpus/${slug(c.name)}-rest/versions`, {
    method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ version: '1.0.0', files: c.files }),
  });
  const body = (await res.json()) as { problems?: { rule: string }[]; warnings?: string[] };
  const restRules = res.status === 201
    ? (body.warnings ?? []).flatMap((w) => /\[([a-z0-9-]+)\]$/.exec(w)?.[1] ?? []).sort()
    : (body.problems ?? []).map((p) => p.rule).sort();
  expect(res.status).toBe(errors.length > 0 ? 422 : 201);

  // git: the version tag is accepted with a remote: line per warning, or refused with one per problem
  const w = await WorkRepo.create();
  try {
    await w.commit(c.files, c.name);
    await w.tag('v1.0.0');
    const push = await w.run(['push', `${server.authUrl}/corpus/${slug(c.name)}-git.git`, 'v1.0.0']);
    const pushRules = [...push.stderr.matchAll(/^remote: heater: {3}.*\[([a-z0-9-]+)\]\s*$/gm)].map((m) => m[1] ?? '').sort();
    expect(push.code === 0).toBe(errors.length === 0);
    if (push.code !== 0) expect(push.stderr).toContain('does not validate');
    expect({ push: pushRules, rest: restRules }).toEqual({ push: rulesOf(c.expect, 'all'), rest: errors.length > 0 ? errors : rulesOf(c.expect, 'warnings') });
  } finally { await w.cleanup(); }
});
