// `heater login` / `logout` and which server and token the client uses: the saved file (0600), env overrides, private templates.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { CliUser } from '../helpers/cli';
import { hotTemplate } from '../helpers/git-client';

let server: TestServer;
let user: CliUser;
beforeAll(async () => {
  server = await startServer();
  const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  for (const ns of ['pub', 'priv']) {
    const res = await fetch(`${server.url}/api/v1/templates/${ns}/web/versions`, { method: 'POST', headers, body: JSON.stringify({ version: '1.0.0', files: { 'template.yaml': hotTemplate(1) } }) });
    expect(res.status).toBe(201);
  }
  const patch = await fetch(`${server.url}/api/v1/namespaces/priv`, { method: 'PATCH', headers, body: JSON.stringify({ anonymousRead: false }) });
  expect(patch.status).toBe(200);
});
afterAll(async () => { await server.close(); });
beforeEach(() => { user = CliUser.create(); });
afterEach(async () => {
  user.remove();
  expect(fs.existsSync(user.home)).toBe(false);
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('login checks the token, saves {url, token} in a 0600 file in a 0700 folder; logout removes it', async () => {
  const r = await user.run(['login', `${server.url}/`, '--token-stdin'], { input: `${TOKEN}\n` });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('as admin');
  expect(JSON.parse(fs.readFileSync(user.configFile, 'utf8'))).toEqual({ url: server.url, token: TOKEN });
  expect(fs.statSync(user.configFile).mode & 0o777).toBe(0o600);
  expect(fs.statSync(`${user.home}/xdg/heater`).mode & 0o777).toBe(0o700);
  expect(fs.readdirSync(`${user.home}/xdg/heater`)).toEqual(['config.json']); // no temporary file left
  const out = await user.json<{ loggedOut: boolean }>(['logout']);
  expect(out).toMatchObject({ code: 0, body: { loggedOut: true } });
  expect(fs.existsSync(user.configFile)).toBe(false);
  expect((await user.json<{ loggedOut: boolean }>(['logout'])).body.loggedOut).toBe(false);
});

test('without XDG_CONFIG_HOME the file is ~/.config/heater/config.json; HEATER_TOKEN is a token source too', async () => {
  const r = await user.json<{ name: string; configFile: string }>(['login', server.url], { env: { XDG_CONFIG_HOME: '', HEATER_TOKEN: TOKEN } });
  expect(r.code).toBe(0);
  expect(r.body).toMatchObject({ name: 'admin', admin: true, configFile: `${user.home}/.config/heater/config.json` });
  expect(fs.statSync(r.body.configFile).mode & 0o777).toBe(0o600);
});

test('on a terminal without a token given, login asks for it', async () => {
  const r = await user.onTerminal(['login', server.url], { typed: `${TOKEN}\r` });
  expect(r.code).toBe(0);
  // (the keystrokes are typed ahead, before the prompt turns echo off, so the terminal may show them)
  expect(r.screen).toContain('Token: ');
  expect(r.screen).toContain('Logged in to');
  expect(JSON.parse(fs.readFileSync(user.configFile, 'utf8'))).toEqual({ url: server.url, token: TOKEN });
});

test.each([
  ['a token the server does not know', 4, ['login', 'URL', '--token-stdin'], 'heater_not_a_real_token'],
  ['an empty stdin', 2, ['login', 'URL', '--token-stdin'], ''],
  ['no token anywhere and no terminal', 2, ['login', 'URL'], ''],
  ['a URL that is not http', 2, ['login', 'ftp://example.com', '--token-stdin'], TOKEN],
  ['no URL', 2, ['login', '--token-stdin'], TOKEN],
])('login with %s: exit %i, and nothing is saved', async (_what, code, args, input) => {
  const r = await user.run(args.map((a) => (a === 'URL' ? server.url : a)), { input });
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(/^heater login: [^\n]+\n$/);
  expect(fs.existsSync(user.configFile)).toBe(false);
});

test('a private template is not found without a token (exit 3), readable after login, and with HEATER_URL + HEATER_TOKEN alone', async () => {
  const anonymous = await user.run(['info', 'priv/web', '--url', server.url]);
  expect(anonymous.code).toBe(3);
  expect(anonymous.stderr).toBe('heater info: There is no template priv/web. Create it with POST /api/v1/templates or by pushing to it.\n');
  expect((await user.run(['get', 'priv/web', '--url', server.url])).code).toBe(3);
  expect((await user.json<{ items: { id: string }[] }>(['search', '--url', server.url])).body.items.map((i) => i.id)).toEqual(['pub/web']);

  expect((await user.run(['login', server.url, '--token-stdin'], { input: TOKEN })).code).toBe(0);
  const info = await user.json<{ id: string; latestVersion: string }>(['info', 'priv/web']);
  expect(info).toMatchObject({ code: 0, body: { id: 'priv/web', latestVersion: '1.0.0' } });
  expect((await user.json<{ items: { id: string }[] }>(['search'])).body.items.map((i) => i.id)).toEqual(['priv/web', 'pub/web']);

  const other = CliUser.create();
  try {
    const byEnv = await other.json<{ id: string }>(['info', 'priv/web'], { env: { HEATER_URL: server.url, HEATER_TOKEN: TOKEN } });
    expect(byEnv).toMatchObject({ code: 0, body: { id: 'priv/web' } });
  } finally { other.remove(); }
});

test('the saved token goes only to the server it was saved for: --url of another server reads as anonymous', async () => {
  const second = await startServer({ adminToken: 'another-admin-token-9876543210' });
  try {
    expect((await user.run(['login', server.url, '--token-stdin'], { input: TOKEN })).code).toBe(0);
    // had the saved token been sent, the other server would answer 401 invalid-token (exit 4)
    const r = await user.run(['info', 'priv/web', '--url', second.url]);
    expect(r.code).toBe(3);
    // HEATER_TOKEN is sent wherever the command goes: the other server refuses it
    const withEnv = await user.run(['info', 'priv/web', '--url', second.url], { env: { HEATER_TOKEN: TOKEN } });
    expect(withEnv.code).toBe(4);
    expect(withEnv.stderr).toMatch(/^heater info: The token is not valid/);
  } finally { await second.close(); }
});

test('with no server named anywhere a client command is a usage error (exit 2)', async () => {
  const r = await user.run(['search']);
  expect(r).toEqual({ code: 2, stdout: '', stderr: 'heater search: no server: run heater login URL first, or give --url URL or HEATER_URL\n' });
});

test('a server that is not there is a failure (exit 1) in one line', async () => {
  // a port that was just free: nothing listens there
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const r = await user.run(['info', 'pub/web', '--url', `http://127.0.0.1:${port}`]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`heater info: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
});

test.each([
  ['a 200 that is not JSON', 1, 200, 'text/html', '<html>hello</html>', /^heater info: http:\/\/127\.0\.0\.1:\d+ answered GET \/templates\/pub\/web with something that is not JSON; is it a Heater server\?\n$/],
  ['a 502 without a problem document', 1, 502, 'text/html', '<html>bad gateway</html>', /^heater info: 502 Bad Gateway\n$/],
  ['a 404 without a problem document', 3, 404, 'text/plain', 'nope', /^heater info: 404 Not Found\n$/],
])('a server answering %s: one line, exit %i', async (_what, code, status, type, body, stderr) => {
  const other = http.createServer((_req, res) => { res.writeHead(status, { 'Content-Type': type }); res.end(body); });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    const r = await user.run(['info', 'pub/web', '--url', `http://127.0.0.1:${(other.address() as net.AddressInfo).port}`]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(stderr);
  } finally { await new Promise((resolve) => other.close(resolve)); }
});
