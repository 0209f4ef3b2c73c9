// The validation corpus through both doors: a git push of a version and a REST publish get the same verdict.
import { loadCorpus } from './hot-corpus/load';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo } from '../helpers/git-client';

const corpus = loadCorpus();
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const expectedRules = (e: 'valid' | string[]) => (e === 'valid' ? [] : e.map((l) => l.split(/[:@]/)[0] ?? '').sort());
const slug = (name: string) => name.replace(/[^a-z0-9-]/g, '-').slice(0, 50);

test('the corpus is big enough to mean something', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(30);
  expect(corpus.filter((c) => c.expect === 'valid').length).toBeGreaterThanOrEqual(8);
});

test.each(corpus.map((c) => [c.name, c] as const))('%s: push and publish agree with the corpus', async (_name, c) => {
  // REST: 201, or 422 listing the rules
  const res = await fetch(`${server.url}/api/v1/templates/corpus/${slug(c.name)}-rest/versions`, {
    method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ version: '1.0.0', files: c.files }),
  });
  const restRules = res.status === 201 ? [] : ((await res.json()) as { problems: { rule: string }[] }).problems.map((p) => p.rule).sort();
  expect(res.status === 201 || res.status === 422).toBe(true);

  // git: the version tag is accepted, or refused with one remote: line per problem
  const w = await WorkRepo.create();
  try {
    await w.commit(c.files, c.name);
    await w.tag('v1.0.0');
    const push = await w.run(['push', `${server.authUrl}/corpus/${slug(c.name)}-git.git`, 'v1.0.0']);
    const pushRules = push.code === 0 ? [] : [...push.stderr.matchAll(/^remote: heater: {3}.*\[([a-z0-9-]+)\]\s*$/gm)].map((m) => m[1] ?? '').sort();
    if (push.code !== 0) expect(push.stderr).toContain('does not validate');
    expect({ push: pushRules, rest: restRules }).toEqual({ push: expectedRules(c.expect), rest: expectedRules(c.expect) });
  } finally { await w.cleanup(); }
});
