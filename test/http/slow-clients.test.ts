// Slow clients (slowloris): many connections trickling headers or bodies do not starve anyone else.
import net from 'node:net';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate, runGit, tempDir } from '../helpers/git-client';

// a generous bound on "still answers": a clone or a request on loopback takes well under a second, even on a loaded CI machine
const ANSWERS_WITHIN_MS = 20_000;

let server: TestServer;
let work: WorkRepo;
const sockets: net.Socket[] = [];
const timers: NodeJS.Timeout[] = [];

beforeEach(async () => {
  server = await startServer({ maxGitProcesses: 8 });
  work = await WorkRepo.create();
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  await work.git(['push', '-q', `${server.authUrl}/acme/web.git`, 'main', 'v1.0.0']);
});

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await server.close();
  await work.cleanup();
  expect(await waitNoGitChildren(5000, true)).toEqual([]);
});

/** Opens `n` connections that send `head` then `trickle` one byte every 200 ms, never finishing; resolves once all are connected. */
async function slowloris(n: number, head: string, trickle: string): Promise<void> {
  const u = new URL(server.url);
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(head);
      let i = 0;
      timers.push(setInterval(() => { if (!s.destroyed) s.write(trickle[i++ % trickle.length] ?? 'x'); }, 200));
      resolve();
    });
    s.on('error', () => { /* the server may close it: that is its right */ });
    s.once('error', reject);
    sockets.push(s);
  })));
}

/** Resolves with `p`, or rejects when it takes longer than the bound. */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_r, reject) => { t = setTimeout(() => reject(new Error(`${what} did not answer within ${ANSWERS_WITHIN_MS} ms`)), ANSWERS_WITHIN_MS); })])
    .finally(() => clearTimeout(t));
}

/** A REST read, a web page and a clone, each while the slow connections are held. */
async function othersAreServed(): Promise<void> {
  const file = await within(fetch(`${server.url}/api/v1/templates/acme/web/versions/1.0.0/files/template.yaml`), 'a file');
  expect([file.status, await file.text()]).toEqual([200, hotTemplate(1)]);
  const page = await within(fetch(`${server.url}/`, { headers: { accept: 'text/html' } }), 'the catalog page');
  expect([page.status, page.headers.get('content-type')?.startsWith('text/html'), (await page.text()).length > 0]).toEqual([200, true, true]);
  const dir = await tempDir('heater-slow-');
  try {
    for (let i = 0; i < 3; i++) {
      const clone = await within(runGit(['clone', '-q', `${server.url}/acme/web.git`, path.join(dir, `c${i}`)]), 'a clone');
      expect([clone.code, clone.stderr]).toEqual([0, '']);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('200 connections sending their headers a byte at a time: reads, pages and clones are still served', async () => {
  await slowloris(200, 'GET /api/v1/templates HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n');
  await othersAreServed();
}, 90_000);

test('more anonymous upload-pack requests than git slots sending their negotiation a byte at a time: clones are still served', async () => {
  // Content-Length promises a body that never completes: the server reads a negotiation whole before starting git
  const body = '0032want 0000000000000000000000000000000000000000\n00000009done\n';
  await slowloris(40, `POST /acme/web.git/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: ${body.length * 100}\r\n\r\n`, body);
  await othersAreServed();
}, 90_000);
