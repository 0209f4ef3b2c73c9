// receive-pack started at a push's advertisement and taken by the POST on that connection: real pushes with git, advertisements with no POST, concurrent pushes, and the class on its own.
import childProcess, { type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { ReceivePrestarts } from '../../src/git/receive-prestart';
import { gitEnv } from '../../src/git/exec';
import { startServer, waitFor, waitNoGitChildren, watchGitSpawns, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, holdGitSlot, hotTemplate, runGit, tempDir } from '../helpers/git-client';
import { rm } from 'node:fs/promises';

let server: TestServer;
let work: WorkRepo;
// every receive-pack the server starts for a push (not an advertisement's)
const started: { pid: number }[] = [];

beforeAll(async () => {
  server = await startServer();
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  expect((await work.run(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', '--tags'])).code).toBe(0);
  watchGitSpawns((args, child) => {
    if (args.includes('receive-pack') && !args.includes('--http-backend-info-refs')) started.push({ pid: child.pid ?? 0 });
  });
});
afterAll(async () => {
  jest.restoreAllMocks();
  await work.cleanup();
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

const gitDir = () => path.join(server.reposDir, 'acme', 'web.git');
/** heater_git_receive_prestarts_total from /metrics. */
async function prestarts(): Promise<{ taken: number; unused: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const read = (r: string) => Number(new RegExp(`^heater_git_receive_prestarts_total\\{result="${r}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { taken: read('taken'), unused: read('unused') };
}

/** Pushes the audit log holds. */
function pushes(): number {
  const file = path.join(server.reposDir, '.heater', 'audit.log');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).filter((l) => (JSON.parse(l) as { action: string }).action === 'push').length;
}

/** GET info/refs?service=git-receive-pack on a kept-alive connection of `agent`, as git push asks. */
async function advertise(agent: http.Agent, headers: Record<string, string> = {}): Promise<void> {
  const token = server.token;
  await new Promise<void>((resolve, reject) => {
    http.get(`${server.url}/acme/web.git/info/refs?service=git-receive-pack`, { agent, headers: { Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, ...headers } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}

test('a push is given the receive-pack started when its advertisement was sent', async () => {
  const before = { started: started.length, counted: await prestarts() };
  await work.commit({ 'template.yaml': hotTemplate(2) });
  await work.tag('v1.1.0');
  expect((await work.run(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', 'v1.1.0'])).code).toBe(0);
  // one receive-pack for the push: the one started at the advertisement, taken by the POST
  expect(started.slice(before.started)).toHaveLength(1);
  expect(await prestarts()).toEqual({ taken: before.counted.taken + 1, unused: before.counted.unused });
  expect((await gitOk(['--git-dir', gitDir(), 'rev-parse', 'v1.1.0^{commit}'])).trim()).toBe((await work.git(['rev-parse', 'HEAD'])).trim());
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('an advertisement with no POST after it (nothing to push): its receive-pack exits when the connection closes, and nothing is written', async () => {
  const refsBefore = await gitOk(['--git-dir', gitDir(), 'for-each-ref']);
  const pushesBefore = pushes();
  const before = started.length;
  const counted = await prestarts();
  const r = await work.run(['push', `${server.authUrl}/acme/web.git`, 'main']);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('Everything up-to-date');
  expect(await waitFor(() => started.length > before)).toBe(true); // it was started
  expect(await waitNoGitChildren(3000, true)).toEqual([]); // and ended with the client's connection
  expect(await gitOk(['--git-dir', gitDir(), 'for-each-ref'])).toBe(refsBefore);
  expect(pushes()).toBe(pushesBefore);
  expect(await prestarts()).toEqual({ taken: counted.taken, unused: counted.unused + 1 });
});

test('a kept-alive connection that only asks for the advertisement holds one receive-pack, ended when it closes', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = started.length;
  try {
    await advertise(agent);
    await advertise(agent); // the second replaces the first: one per connection
    expect(await waitFor(() => started.length === before + 2)).toBe(true);
    expect(await waitFor(() => gitAlive(started[before]?.pid) === false)).toBe(true);
    expect(gitAlive(started[before + 1]?.pid)).toBe(true);
  } finally {
    agent.destroy();
  }
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('a push whose POST comes on another connection uses its own; the one waiting elsewhere is ended with its connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const counted = await prestarts();
  let waiting: number | undefined;
  try {
    const before = started.length;
    await advertise(agent);
    expect(await waitFor(() => started.length === before + 1)).toBe(true);
    waiting = started[before]?.pid;
    await work.commit({ 'template.yaml': hotTemplate(3) });
    await work.tag('v1.2.0');
    expect((await work.run(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', 'v1.2.0'])).code).toBe(0);
    expect(await prestarts()).toEqual({ taken: counted.taken + 1, unused: counted.unused }); // the push's own
    expect((await gitOk(['--git-dir', gitDir(), 'tag', '-l', 'v1.2.0'])).trim()).toBe('v1.2.0');
    expect(gitAlive(waiting)).toBe(true); // still waiting for a POST on its connection
  } finally {
    agent.destroy();
  }
  expect(await waitFor(() => !gitAlive(waiting))).toBe(true);
  expect(await prestarts()).toEqual({ taken: counted.taken + 1, unused: counted.unused + 1 });
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

/** POST git-receive-pack on `agent`'s connection with a body git would never send (the wrong type): answered 415. */
async function refusedPost(agent: http.Agent, headers: Record<string, string> = {}): Promise<number> {
  const token = server.token;
  return new Promise<number>((resolve, reject) => {
    const req = http.request(`${server.url}/acme/web.git/git-receive-pack`, {
      agent, method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, 'Content-Type': 'text/plain', ...headers },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end('0000'.repeat(4));
  });
}

test.each([
  ['the same push, refused before its pack (a wrong content type): taken, then ended', {}, { taken: 1, unused: 0 }],
  ['another Git-Protocol than its advertisement\'s: not taken, ended', { 'Git-Protocol': 'version=1' }, { taken: 0, unused: 1 }],
])('a POST on the connection of %s', async (_what, headers, delta) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const counted = await prestarts();
  const refsBefore = await gitOk(['--git-dir', gitDir(), 'for-each-ref']);
  try {
    const before = started.length;
    await advertise(agent);
    expect(await waitFor(() => started.length === before + 1)).toBe(true);
    const pid = started[before]?.pid;
    expect(await refusedPost(agent, headers)).toBe(415);
    expect(await waitFor(() => !gitAlive(pid))).toBe(true);
    expect(await prestarts()).toEqual({ taken: counted.taken + delta.taken, unused: counted.unused + delta.unused });
  } finally {
    agent.destroy();
  }
  expect(await gitOk(['--git-dir', gitDir(), 'for-each-ref'])).toBe(refsBefore);
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('no git slot is kept: with two slots, pushes (one with nothing to push) leave both free', async () => {
  const small = await startServer({ maxGitProcesses: 2 });
  const dir = await tempDir('heater-prestart-slots-');
  try {
    expect((await work.run(['push', '-q', `${small.authUrl}/acme/web.git`, 'main', '--tags'])).code).toBe(0);
    for (let i = 0; i < 3; i++) {
      await work.commit({ 'template.yaml': hotTemplate(20 + i) });
      await work.tag(`v3.${i}.0`);
      expect((await work.run(['push', '-q', `${small.authUrl}/acme/web.git`, 'main', `v3.${i}.0`])).code).toBe(0);
    }
    expect((await work.run(['push', `${small.authUrl}/acme/web.git`, 'main'])).stderr).toContain('Everything up-to-date');
    const holder = holdGitSlot(small.url, '/acme/web', (await work.git(['rev-parse', 'HEAD'])).trim());
    try {
      // one slot held: a clone needs the other, which no push kept
      await new Promise((r) => setTimeout(r, 200));
      expect((await runGit(['clone', '-q', '--bare', `${small.url}/acme/web.git`, dir])).code).toBe(0);
    } finally {
      holder.destroy();
    }
  } finally {
    await small.close();
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);

test('four pushes at once, each on its own connections, all land', async () => {
  const clones: string[] = [];
  for (let i = 0; i < 4; i++) {
    const dir = await tempDir('heater-prestart-');
    await gitOk(['clone', '-q', `${server.authUrl}/acme/web.git`, dir]);
    await gitOk(['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@x', 'tag', '-a', '-m', `p${i}`, `v2.${i}.0`]);
    clones.push(dir);
  }
  const results = await Promise.all(clones.map((dir, i) => runGit(['-C', dir, 'push', '-q', 'origin', `v2.${i}.0`])));
  for (const r of results) expect(r.code).toBe(0);
  expect((await gitOk(['--git-dir', gitDir(), 'tag', '-l', 'v2.*'])).trim().split('\n')).toEqual(['v2.0.0', 'v2.1.0', 'v2.2.0', 'v2.3.0']);
  await gitOk(['--git-dir', gitDir(), 'fsck', '--strict']);
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
}, 60_000);

function gitAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return st.slice(st.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch { return false; }
}

describe('ReceivePrestarts', () => {
  let bare: string;
  let listener: net.Server;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    bare = path.join(await tempDir('heater-prestarts-'), 'r.git');
    await gitOk(['init', '-q', '--bare', bare]);
    listener = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => { listener.close(() => resolve()); }));

  /** A connected server-side socket, and its client end. */
  async function connection(): Promise<{ server: net.Socket; client: net.Socket }> {
    const n = sockets.length;
    const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    await waitFor(() => sockets.length > n);
    const s = sockets[n];
    if (!s) throw new Error('no connection');
    return { server: s, client };
  }
  const receivePack = (): ChildProcessWithoutNullStreams => childProcess.spawn('git', ['receive-pack', '--stateless-rpc', bare], { env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = (git: ChildProcessWithoutNullStreams) => waitFor(() => git.exitCode !== null || git.signalCode !== null);

  test('the POST with the same key takes it, waiting for its start; nothing is discarded', async () => {
    const p = new ReceivePrestarts<string>(5000);
    const { server: s, client } = await connection();
    const git = receivePack();
    const discard = jest.fn();
    let start: () => void = () => undefined;
    p.offer(s, 'k', new Promise<void>((resolve) => { start = resolve; }).then(() => ({ git, session: 'session', discard })));
    const taking = p.take(s, 'k'); // before it started: waits
    start();
    expect((await taking)?.session).toBe('session');
    expect(await p.take(s, 'k')).toBeUndefined(); // once
    client.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(discard).not.toHaveBeenCalled();
    expect([p.taken, p.unused]).toEqual([1, 0]);
    git.stdin.end();
    expect(await exited(git)).toBe(true);
  });

  test.each<[string, (p: ReceivePrestarts<string>, s: net.Socket, client: net.Socket, git: ChildProcessWithoutNullStreams) => Promise<void>]>([
    ['a POST for another push (another key)', async (p, s) => { expect(await p.take(s, 'other')).toBeUndefined(); }],
    ['the connection closing', async (_p, _s, client) => { client.destroy(); }],
    ['git exiting by itself', async (_p, _s, _c, git) => { git.kill('SIGTERM'); }],
    ['another advertisement on the same connection', async (p, s) => {
      const second = receivePack();
      p.offer(s, 'k2', Promise.resolve({ git: second, session: 'second', discard: () => undefined }));
      (await p.take(s, 'k2'))?.git.stdin.end();
    }],
  ])('%s: the waiting receive-pack exits and is discarded, once', async (_what, act) => {
    const p = new ReceivePrestarts<string>(5000);
    const { server: s, client } = await connection();
    const git = receivePack();
    const discard = jest.fn();
    p.offer(s, 'k', Promise.resolve({ git, session: 'session', discard }));
    await new Promise((r) => setImmediate(r));
    await act(p, s, client, git);
    expect(await exited(git)).toBe(true);
    expect(await waitFor(() => discard.mock.calls.length > 0)).toBe(true);
    expect(await p.take(s, 'k')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(discard).toHaveBeenCalledTimes(1);
    client.destroy();
  });

  test('one not taken within the wait is ended; one never started is nothing to take', async () => {
    const p = new ReceivePrestarts<string>(100);
    const { server: s, client } = await connection();
    const git = receivePack();
    const discard = jest.fn();
    p.offer(s, 'k', Promise.resolve({ git, session: 'session', discard }));
    expect(await exited(git)).toBe(true);
    expect(await waitFor(() => discard.mock.calls.length === 1)).toBe(true);
    expect(await p.take(s, 'k')).toBeUndefined();
    p.offer(s, 'k', Promise.resolve(undefined));
    expect(await p.take(s, 'k')).toBeUndefined();
    expect([p.taken, p.unused]).toEqual([0, 1]);
    client.destroy();
  });
});
