// git users are told why: every refusal on a git route is one line of text/plain, which git prints as `remote:` (read from git's own stderr).
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { startServer, TOKEN, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, holdGitSlot, hotTemplate, runGit, tempDir } from '../helpers/git-client';

let server: TestServer;
let work: WorkRepo;
let dir: string;
const tok: Record<string, string> = {};
const host = () => new URL(server.url).host;
const as = (token: string) => `http://x:${token}@${host()}`;

beforeAll(async () => {
  server = await startServer({ maxAuthFailures: 10_000 });
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  await gitOk(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', 'v1.0.0'], { cwd: work.dir });
  const r = await fetch(`${server.url}/api/v1/tokens`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{"name":"reader","scopes":["read"]}' });
  tok.reader = ((await r.json()) as { token: string }).token;
  dir = await tempDir();
});
afterAll(async () => {
  await work.cleanup();
  await rm(dir, { recursive: true, force: true });
  await server.close();
});

/** git's stderr lines that came from the server's error body, and git's own last word. */
function heard(stderr: string): { remote: string[]; fatal: string } {
  const lines = stderr.split('\n');
  return { remote: lines.filter((l) => l.startsWith('remote: ')).map((l) => l.slice(8)), fatal: lines.filter((l) => /^(fatal|error): /.test(l)).join(' | ') };
}

// status, git command (URL as a function of the server), the line git shows, what git says itself
test.each<[number, string, () => string[], string, RegExp]>([
  [400, 'clone of an invalid name', () => ['clone', `${server.url}/acme/Web.git`, `${dir}/a`],
    '"Web" is not a valid template name: use lower-case letters, digits, ".", "_" and "-", 1 to 64 characters, starting and ending with a letter or digit, without ".." and not ending in ".git".',
    /unable to access .*: The requested URL returned error: 400/],
  [404, 'clone of no such template', () => ['clone', `${server.url}/acme/nothing.git`, `${dir}/b`], 'There is no template acme/nothing.', /repository '.*\/acme\/nothing\.git\/' not found/],
  [404, 'ls-remote of no such template', () => ['ls-remote', `${server.url}/acme/nothing.git`], 'There is no template acme/nothing.', /repository '.*' not found/],
  [403, 'push with a read-only token', () => ['-C', work.dir, 'push', `${as(tok.reader ?? '')}/acme/web.git`, 'main'],
    'The token "reader" (scopes: read) may not write namespace acme.', /unable to access .*: The requested URL returned error: 403/],
  [401, 'push with a wrong token', () => ['-C', work.dir, 'push', `${as('heater_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')}/acme/web.git`, 'main'],
    'The token is not valid: it is unknown, revoked or mistyped.', /Authentication failed for '.*'/],
])('%i, %s: git prints the reason', async (status, _what, args, line, fatal) => {
  const r = await runGit(args(), { env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(new RegExp(`<= Recv header: HTTP/1\\.1 ${status} `));
  const { remote, fatal: said } = heard(r.stderr);
  expect(remote).toEqual([line]);
  expect(said).toMatch(fatal);
});

test('401: git asks for credentials instead of showing a body, so the challenge must come first (no credentials on a push)', async () => {
  const r = await runGit(['-C', work.dir, 'push', `${server.url}/acme/web.git`, 'main']);
  expect(r.code).not.toBe(0);
  expect(heard(r.stderr)).toEqual({ remote: [], fatal: expect.stringMatching(/could not read Username for 'http:\/\/[^']+': terminal prompts disabled/) });
});

test('401 for a stored password that is not valid makes git\'s credential helper forget it', async () => {
  const store = `${dir}/credentials`;
  const u = new URL(server.url);
  await writeFile(store, `http://x:heater_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA@${u.host}\n`);
  const r = await runGit(['-C', work.dir, '-c', `credential.helper=store --file=${store}`, 'push', `${server.url}/acme/web.git`, 'main']);
  expect(heard(r.stderr)).toEqual({ remote: ['The token is not valid: it is unknown, revoked or mistyped.'], fatal: expect.stringMatching(/Authentication failed/) });
  expect(await readFile(store, 'utf8')).toBe('');
});

test('git presents credentials only after a challenge: a clone of a public template never shows the server a stored token', async () => {
  const r = await runGit(['clone', '-q', `${as('not-a-token-at-all')}/acme/web.git`, `${dir}/public`], { env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' } });
  expect(r.code).toBe(0);
  expect(r.stderr).not.toMatch(/=> Send header: Authorization/);
});

test('503: a git request past the limit is told to come back, at the advertisement, where git shows it', async () => {
  const busy = await startServer({ maxGitProcesses: 1, gitIdleMs: 2000 });
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1), 'big.bin': randomBytes(12 * 1024 * 1024) });
    await gitOk(['push', '-q', `${busy.authUrl}/acme/busy.git`, 'main'], { cwd: w.dir });
    const head = (await gitOk(['rev-parse', 'HEAD'], { cwd: w.dir })).trim();
    const hold = holdGitSlot(busy.url, '/acme/busy.git', head);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runGit(['ls-remote', `${busy.url}/acme/busy.git`]);
    expect(heard(r.stderr)).toEqual({ remote: ['The server is serving 1 git requests, its limit; try again in a few seconds.'], fatal: expect.stringMatching(/returned error: 503/) });
    hold.destroy();
    await waitNoGitChildren(5000, true);
  } finally { await w.cleanup(); await busy.close(); }
});

test('413 and other refusals of a POST: the line is sent, but git 2.39 drops the body of a refused POST (rpc_in) and says only "RPC failed"', async () => {
  const small = await startServer({ maxNegotiationBytes: 64 });
  try {
    await gitOk(['push', '-q', `${small.authUrl}/acme/web.git`, 'main'], { cwd: work.dir });
    const r = await runGit(['ls-remote', `${small.url}/acme/web.git`]); // v2: GET info/refs, then POST ls-refs (over 64 bytes)
    expect(heard(r.stderr)).toEqual({ remote: [], fatal: expect.stringMatching(/^error: RPC failed; HTTP 413 /) });
    const res = await fetch(`${small.url}/acme/web.git/git-upload-pack`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-upload-pack-request' }, body: 'x'.repeat(100) });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toMatch(/^The fetch negotiation is larger than .*; fetch fewer refs at a time\.\n$/);
  } finally { await small.close(); }
});
