// How git requests are logged (JSON lines): a client that goes away mid-clone is an info line, never a warning with git's progress text.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createLogger } from '../../src/log/logger';
import { startServer, waitFor, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, clientEnv, gitOk, hotTemplate, tempDir } from '../helpers/git-client';
import { rm } from 'node:fs/promises';

let server: TestServer;
const logged: string[] = [];

beforeAll(async () => {
  // the pack cache off: these are the lines of a clone streamed from git (a kept answer is sent from a file)
  server = await startServer({ logLevel: 'debug', packCacheBytes: 0 }, {
    log: createLogger('debug', (line) => { logged.push(line); }),
    prepare: async (reposDir) => {
      const w = await WorkRepo.create();
      try {
        // incompressible and larger than the socket buffers: the clone is still receiving when it is killed
        await w.commit({ 'template.yaml': hotTemplate(1), 'disk.img': randomBytes(48 * 1024 * 1024) });
        await w.tag('v1.0.0');
        await gitOk(['clone', '-q', '--bare', w.dir, path.join(reposDir, 'acme', 'big.git')]);
      } finally { await w.cleanup(); }
    },
  });
});
afterAll(async () => {
  await server.close();
  expect(await waitNoGitChildren()).toEqual([]);
});

/** Starts `git clone --progress`; resolves once it is receiving the pack, with a way to kill it and its exit. */
function cloneUntilReceiving(dir: string): Promise<{ kill: () => void; exit: Promise<string> }> {
  const child = spawn('git', ['clone', '--progress', `${server.url}/acme/big.git`, dir], { env: clientEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  const exit = new Promise<string>((resolve) => child.on('close', (code, sig) => resolve(String(sig ?? code))));
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (/Receiving objects/.test(err)) {
        child.kill('SIGSTOP'); // hold it mid-pack: the server's git now waits on a full socket
        resolve({ kill: () => { child.kill('SIGKILL'); }, exit });
      }
    });
    void exit.then((how) => reject(new Error(`the clone ended (${how}) before it received anything: ${err}`)));
  });
}

test('a client killed mid-clone is logged once, at info, as gone; no warning, no progress text', async () => {
  const dir = await tempDir('heater-clone-');
  try {
    const before = logged.length;
    const clone = await cloneUntilReceiving(path.join(dir, 'big'));
    clone.kill();
    expect(await clone.exit).toBe('SIGKILL');
    expect(await waitFor(() => logged.slice(before).some((l) => /the client went away/.test(l)))).toBe(true);
    expect(await waitNoGitChildren(5000, true)).toEqual([]); // its upload-pack was stopped
    const lines = logged.slice(before);
    expect(lines.filter((l) => /"level":"(warn|error)"/.test(l))).toEqual([]);
    expect(lines.filter((l) => /the client went away/.test(l)).map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^acme\/big: the client went away during git-upload-pack after \d+ bytes; its git was stopped$/) as unknown }),
    ]);
    expect(lines.join('')).not.toMatch(/Enumerating objects|Counting objects|Compressing objects|Total \d+/);
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('a clone that completes logs no warning and nothing about a client going away', async () => {
  const dir = await tempDir('heater-clone-');
  try {
    const before = logged.length;
    await gitOk(['clone', '-q', '--depth', '1', `${server.url}/acme/big.git`, path.join(dir, 'big')]);
    const lines = logged.slice(before);
    expect(lines.filter((l) => /"level":"(warn|error)"/.test(l) || /went away/.test(l))).toEqual([]);
  } finally { await rm(dir, { recursive: true, force: true }); }
});

test('a git that fails for a reason of its own is a warning with its error lines, without progress text', async () => {
  const before = logged.length;
  const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  // a want of an object the repo does not have: upload-pack fails ("not our ref")
  const res = await fetch(`${server.url}/acme/big.git/git-upload-pack`, { method: 'POST', headers: { 'Content-Type': 'application/x-git-upload-pack-request' }, body: `${pkt(`want ${'1'.repeat(40)} ofs-delta\n`)}0000${pkt('done\n')}` });
  await res.arrayBuffer();
  expect(await waitFor(() => logged.slice(before).some((l) => /"level":"warn"/.test(l)))).toBe(true);
  const warn = logged.slice(before).filter((l) => /"level":"warn"/.test(l));
  expect(warn.map((l) => JSON.parse(l) as unknown)).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^acme\/big: git git-upload-pack exited 128: .*not our ref/) as unknown })]);
});

test('a client without side-band that hangs up mid-pack (git\'s progress then goes to stderr) is the same info line', async () => {
  const before = logged.length;
  const head = (await gitOk(['ls-remote', `${server.url}/acme/big.git`, 'refs/heads/main'])).split('\t')[0] ?? '';
  const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  const body = `${pkt(`want ${head} ofs-delta\n`)}0000${pkt('done\n')}`;
  const u = new URL(server.url);
  const sock = net.connect(Number(u.port), u.hostname);
  sock.write(`POST /acme/big.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  let got = 0;
  await new Promise<void>((resolve) => sock.on('data', (d: Buffer) => { got += d.length; if (got > 1024 * 1024) { sock.destroy(); resolve(); } }));
  expect(await waitFor(() => logged.slice(before).some((l) => /the client went away/.test(l)))).toBe(true);
  expect(await waitNoGitChildren(5000, true)).toEqual([]);
  const lines = logged.slice(before);
  expect(lines.filter((l) => /"level":"(warn|error)"/.test(l))).toEqual([]);
  expect(lines.join('')).not.toMatch(/objects: |Total \d+/);
});
