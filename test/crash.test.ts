// Crash: `kill -9` of the built server at random moments (fixed seed) during pushes and publishes; nothing acknowledged is lost.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkRepo, hotTemplate } from './helpers/git-client';
import { crash, startProcessServer, stop, type ProcessServer } from './helpers/process-server';

const TOKEN = 'crash-test-admin-token-0123456789';
const SEED = 0x5eed;
// ~30 operations, kills included, fit CI's time; bench/crash.sh runs the same with CRASH_OPS=200
const OPS = Number(process.env.CRASH_OPS ?? '30');
jest.setTimeout(Math.max(180_000, OPS * 6000));

/** mulberry32: a small seeded generator, so the kills fall at the same moments in every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Template { readonly id: string; readonly via: 'git' | 'rest'; readonly work?: WorkRepo; next: number; readonly acked: string[] }

const rand = random(SEED);
let repos: string;
let templates: Template[];
let server: ProcessServer | undefined;
// `streamed` counts the operations of the streams the kills cut into; `attempted` adds the checks' writes after each restart
const figures = { streamed: 0, attempted: 0, acked: 0, crashes: 0, orphans: 0, lockFiles: [] as string[] };

beforeAll(async () => {
  repos = await mkdtemp(path.join(os.tmpdir(), 'heater-crash-'));
  templates = [
    { id: 'acme/pushed-a', via: 'git', work: await WorkRepo.create(), next: 0, acked: [] },
    { id: 'acme/pushed-b', via: 'git', work: await WorkRepo.create(), next: 0, acked: [] },
    { id: 'acme/published-a', via: 'rest', next: 0, acked: [] },
    { id: 'beta/published-b', via: 'rest', next: 0, acked: [] },
  ];
});

afterAll(async () => {
  if (server) await stop(server);
  for (const t of templates) await t.work?.cleanup();
  await rm(repos, { recursive: true, force: true });
  process.stdout.write(`crash: ${figures.streamed} operations in the streams, ${figures.attempted} in all, ${figures.acked} acknowledged, ${figures.crashes} kill -9, ${figures.orphans} git processes left by the killed server, ${figures.lockFiles.length} lock files found after a crash (removed at the next start: ${[...new Set(figures.lockFiles)].join(', ') || 'none'})\n`);
});

/** One push or publish of the template's next version; true when the server acknowledged it, else what the client was told. */
async function operate(s: ProcessServer, t: Template): Promise<true | string> {
  const n = ++t.next;
  const version = `1.${n}.0`;
  figures.attempted++;
  let ok: boolean;
  let why = '';
  if (t.work) {
    await t.work.commit({ 'template.yaml': hotTemplate(n) });
    await t.work.tag(`v${version}`);
    const push = await t.work.run(['push', `${s.authUrl}/${t.id}.git`, 'main', `v${version}`]);
    ok = push.code === 0;
    why = push.stderr;
  } else {
    const res = await fetch(`${s.url}/api/v1/templates/${t.id}/versions`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version, files: { 'template.yaml': hotTemplate(n) } }),
    }).catch(() => null);
    ok = res?.status === 201;
    why = `${res?.status ?? 'no answer'} ${await res?.text().catch(() => '') ?? ''}`;
  }
  if (ok) { t.acked.push(version); figures.acked++; }
  return ok || why;
}

/** Lock files git or Heater left in the data directory. */
async function lockFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.name.endsWith('.lock')) out.push(path.join(e.parentPath, e.name));
  return out;
}

/** After a restart: every acknowledged version in git and in the index, every repository sound, and the next write of each template accepted. */
async function check(s: ProcessServer): Promise<void> {
  const listed = await (await fetch(`${s.url}/api/v1/templates?fields=id,versions&limit=100`)).json() as { items: { id: string; versions: (string | { version: string })[] }[] };
  for (const t of templates) {
    if (t.acked.length === 0) continue;
    const res = await fetch(`${s.url}/api/v1/templates/${t.id}/versions`);
    const got = (await res.json() as { versions: { version: string }[] }).versions.map((v) => v.version);
    expect(t.acked.filter((v) => !got.includes(v))).toEqual([]);
    const entry = listed.items.find((i) => i.id === t.id);
    const indexed = (entry?.versions ?? []).map((v) => (typeof v === 'string' ? v : v.version));
    expect([t.id, t.acked.filter((v) => !indexed.includes(v))]).toEqual([t.id, []]);
    execFileSync('git', ['--git-dir', path.join(repos, `${t.id}.git`), 'fsck', '--no-progress'], { stdio: 'pipe' });
  }
  // whatever lock a killed git left, the next push and publish of every template go through
  for (const t of templates) expect([t.id, await operate(s, t)]).toEqual([t.id, true]);
}

test(`kill -9 at random moments during ${OPS} pushes and publishes: every acknowledged version survives, repositories pass git fsck, the index heals`, async () => {
  while (figures.streamed < OPS) {
    const s = await startProcessServer(repos, TOKEN);
    server = s;
    await check(s);
    // two pushers and two publishers, each on its own template, until the kill
    let killed = false;
    const worker = async (t: Template) => {
      while (!killed && figures.streamed < OPS) {
        figures.streamed++;
        await operate(s, t);
        await new Promise((r) => setTimeout(r, rand() * 50));
      }
    };
    const workers = Promise.all(templates.map(worker));
    await new Promise((r) => setTimeout(r, 50 + rand() * 500));
    killed = true;
    figures.orphans += await crash(s);
    figures.crashes++;
    server = undefined;
    await workers;
    figures.lockFiles.push(...(await lockFiles(repos)).map((f) => path.relative(repos, f).replace(/^[^/]+\/[^/]+\.git\//, '')));
  }
  const s = await startProcessServer(repos, TOKEN);
  server = s;
  await check(s);
  expect(figures.crashes).toBeGreaterThan(0);
});
