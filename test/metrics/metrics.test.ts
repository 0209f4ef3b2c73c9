// GET /metrics: Prometheus text with requests by route template and status, writes and refused pushes, git processes, index lag and process metrics; optionally behind its own token.
import { startServer, TOKEN, waitFor, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

let server: TestServer | undefined;
afterEach(async () => { await server?.close(); server = undefined; });

/** The value of the sample `line` (name and labels, as Prometheus prints them) in the exposition, or undefined. */
const sample = (text: string, line: string): number | undefined => {
  const row = text.split('\n').find((l) => l.startsWith(`${line} `));
  return row === undefined ? undefined : Number(row.slice(line.length + 1));
};

test('requests, writes and refused pushes are counted by route template and result; gauges and process metrics are there', async () => {
  const s = server = await startServer();
  const work = await WorkRepo.create();
  try {
    await work.commit({ 'template.yaml': hotTemplate(1) });
    await work.tag('v1.0.0');
    await work.git(['push', '-q', `${s.authUrl}/acme/app.git`, 'main', 'v1.0.0']);
    await work.commit({ 'template.yaml': hotTemplate(2) });
    await work.tag('v1.0.0', { force: true });
    expect((await work.run(['push', '--force', `${s.authUrl}/acme/app.git`, 'v1.0.0'])).code).not.toBe(0); // a version never moves: refused
    for (const p of ['/api/v1/templates/acme/app', '/api/v1/templates/acme/app', '/api/v1/templates/acme/none']) await (await fetch(`${s.url}${p}`)).arrayBuffer();

    let text = '';
    const scrape = async () => {
      const r = await fetch(`${s.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      text = await r.text();
      return (sample(text, 'heater_http_requests_total{method="GET",route="/api/v1/templates/:ns/:name",status="404"}') ?? 0) >= 1;
    };
    expect(await waitFor(scrape)).toBe(true);
    expect(sample(text, 'heater_http_requests_total{method="GET",route="/api/v1/templates/:ns/:name",status="200"}')).toBe(2);
    expect(sample(text, 'heater_http_request_duration_seconds_count{method="GET",route="/api/v1/templates/:ns/:name",status="200"}')).toBe(2);
    expect(sample(text, 'heater_http_requests_total{method="POST",route="/:ns/:name.git/git-receive-pack",status="200"}')).toBe(2);
    expect(sample(text, 'heater_writes_total{action="push",via="git",result="ok"}')).toBe(1);
    expect(sample(text, 'heater_writes_total{action="push",via="git",result="refused"}')).toBe(1);
    expect(sample(text, 'heater_index_behind_templates')).toBe(0);
    expect(sample(text, 'heater_git_processes_running')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'heater_git_reads_waiting')).toBe(0);
    expect(sample(text, 'heater_git_catfile_readers')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^heater_process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^heater_nodejs_heap_size_used_bytes \d/m);
    expect(text).not.toContain('acme/app'); // values of paths never become labels
    // the object cache: the same file read twice is one miss, then a hit; the counters only go up between scrapes
    const file = `${s.url}/api/v1/templates/acme/app/versions/1.0.0/files/template.yaml`;
    const lookups = (t: string) => ({ hit: sample(t, 'heater_object_cache_lookups_total{result="hit"}') ?? -1, miss: sample(t, 'heater_object_cache_lookups_total{result="miss"}') ?? -1 });
    const before = lookups(text);
    expect(before.hit).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 3; i++) expect((await fetch(file)).status).toBe(200);
    const after = lookups(await (await fetch(`${s.url}/metrics`)).text());
    expect(after.hit).toBeGreaterThan(before.hit);
    expect(after.miss).toBeGreaterThanOrEqual(before.miss);
    expect(sample(await (await fetch(`${s.url}/metrics`)).text(), 'heater_object_cache_bytes')).toBeGreaterThan(0);
  } finally { await work.cleanup(); }
});

test.each([
  { what: 'no credential', authorization: undefined, status: 401, code: 'unauthenticated' },
  { what: 'the admin token (another credential)', authorization: `Bearer ${TOKEN}`, status: 401, code: 'invalid-token' },
  { what: 'the metrics token as Basic', authorization: `Basic ${Buffer.from('x:metrics-token-0123456789').toString('base64')}`, status: 401, code: 'unauthenticated' },
  { what: 'the metrics token', authorization: 'Bearer metrics-token-0123456789', status: 200, code: undefined },
])('with HEATER_METRICS_TOKEN set, $what -> $status', async ({ authorization, status, code }) => {
  const s = server = await startServer({ metricsToken: 'metrics-token-0123456789' });
  const r = await fetch(`${s.url}/metrics`, { headers: authorization ? { Authorization: authorization } : {} });
  expect(r.status).toBe(status);
  if (code) {
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await r.json()) as { code: string }).code).toBe(code);
  } else {
    expect(await r.text()).toContain('heater_http_requests_total');
  }
});
