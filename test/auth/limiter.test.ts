// The failed-authentication limiter refuses only failing attempts, per client address; X-Forwarded-For names the client only behind a trusted proxy.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, TOKEN, type TestServer } from '../helpers/server';

const WRONG = 'heater_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

async function makeToken(server: TestServer, name: string, scopes: string[]): Promise<string> {
  const r = await fetch(`${server.url}/api/v1/tokens`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name, scopes }) });
  return ((await r.json()) as { token: string }).token;
}

const whoami = (server: TestServer, token: string, from?: string) =>
  fetch(`${server.url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${token}`, ...(from ? { 'X-Forwarded-For': from } : {}) } });

describe('behind no proxy', () => {
  let server: TestServer;
  let fresh: string;
  let used: string;
  beforeAll(async () => {
    server = await startServer({ maxAuthFailures: 3 });
    used = await makeToken(server, 'used', ['read']);
    fresh = await makeToken(server, 'fresh', ['write:acme']); // never verified before the address is over its limit
    expect((await whoami(server, used)).status).toBe(200);
  });
  afterAll(async () => { await server.close(); });

  test('after the allowed failures, failing attempts get 429 with Retry-After; valid tokens from the same address still work', async () => {
    for (let i = 0; i < 3; i++) expect((await whoami(server, `${WRONG.slice(0, -1)}${i}`)).status).toBe(401);
    const blocked = await whoami(server, WRONG);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({ code: 'rate-limited' });
    expect((await whoami(server, 'heater_bad')).status).toBe(429); // a token no scrypt is spent on
    // the admin token, a token verified before, and one never verified: all still work, over REST and git
    for (const [token, name] of [[TOKEN, 'admin'], [used, 'used'], [fresh, 'fresh']] as const) {
      const res = await whoami(server, token);
      expect({ status: res.status, name: ((await res.json()) as { name: string }).name }).toEqual({ status: 200, name });
    }
    const basic = (t: string) => ({ Authorization: `Basic ${Buffer.from(`x:${t}`).toString('base64')}` });
    expect((await fetch(`${server.url}/acme/x.git/info/refs?service=git-receive-pack`, { headers: basic(fresh) })).status).toBe(200);
    const push = await fetch(`${server.url}/acme/x.git/info/refs?service=git-receive-pack`, { headers: basic('another-wrong-one') });
    expect(push.status).toBe(429);
    expect(push.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await push.text()).toMatch(/^Too many failed authentications from 127\.0\.0\.1; .* Try again in \d+ s\.\n$/);
    // anonymous reads never were authentications
    expect((await fetch(`${server.url}/api/v1/templates`)).status).toBe(200);
  });

  test('X-Forwarded-For from a peer that is not a trusted proxy is ignored: the peer is the client, in the limiter and the audit log', async () => {
    expect((await whoami(server, WRONG, '198.51.100.9')).status).toBe(429); // still 127.0.0.1, over its limit
    await fetch(`${server.url}/api/v1/templates`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'X-Forwarded-For': '198.51.100.9' }, body: '{"namespace":"acme","name":"a1"}' });
    const audit = await readFile(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8');
    expect(audit).toMatch(/"action":"template\.create","actor":\{"name":"admin","address":"(::ffff:)?127\.0\.0\.1"\}/);
  });
});

describe('behind a trusted proxy', () => {
  let server: TestServer;
  beforeAll(async () => { server = await startServer({ maxAuthFailures: 2, trustedProxies: ['127.0.0.0/8', '::1'] }); });
  afterAll(async () => { await server.close(); });

  test('each client behind it has its own count, named by X-Forwarded-For (the rightmost hop the proxy did not add)', async () => {
    for (let i = 0; i < 2; i++) expect((await whoami(server, WRONG, '203.0.113.7')).status).toBe(401);
    expect((await whoami(server, WRONG, '203.0.113.7')).status).toBe(429);
    // a client cannot escape by claiming another address in front of the one the proxy appended
    expect((await whoami(server, WRONG, '192.0.2.1, 203.0.113.7')).status).toBe(429);
    expect((await whoami(server, WRONG, '203.0.113.8')).status).toBe(401);
    expect((await whoami(server, TOKEN, '203.0.113.7')).status).toBe(200);
  });

  test('the audit log records the client the proxy names', async () => {
    await fetch(`${server.url}/api/v1/templates`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'X-Forwarded-For': '192.0.2.1, 203.0.113.50, 10.1.2.3' }, body: '{"namespace":"acme","name":"a2"}' });
    const audit = await readFile(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8');
    expect(audit).toMatch(/"action":"template\.create","actor":\{"name":"admin","address":"10\.1\.2\.3"\}/);
  });
});
