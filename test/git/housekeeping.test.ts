// gc --auto runs after a push, off the pusher's clock: receive-pack itself is told not to.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mayNeedGc } from '../../src/git/housekeeping';
import { startServer, waitNoGitChildren, type TestServer } from '../helpers/server';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); expect(await waitNoGitChildren()).toEqual([]); });

test('a push that leaves more packs than gc.autoPackLimit allows is repacked by the server afterwards', async () => {
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1) }, 'one');
    const remote = `${server.authUrl}/acme/tidy.git`;
    expect((await w.run(['push', remote, 'main'])).code).toBe(0);
    const gitDir = path.join(server.reposDir, 'acme', 'tidy.git');
    await gitOk(['--git-dir', gitDir, 'config', 'receive.unpackLimit', '1']); // every push stays a pack
    await gitOk(['--git-dir', gitDir, 'config', 'gc.autoPackLimit', '1']); // and more than one is too many
    await w.commit({ 'template.yaml': hotTemplate(2) }, 'two');
    expect((await w.run(['push', remote, 'main'])).code).toBe(0);
    await w.commit({ 'template.yaml': hotTemplate(3) }, 'three');
    await w.tag('v1.0.0');
    expect((await w.run(['push', remote, 'main', 'v1.0.0'])).code).toBe(0);
    let packs = -1;
    for (let i = 0; i < 100 && packs !== 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      packs = Number(/^packs: (\d+)$/m.exec(await gitOk(['--git-dir', gitDir, 'count-objects', '-v']))?.[1]);
    }
    expect(packs).toBe(1);
    expect((await gitOk(['--git-dir', gitDir, 'rev-parse', 'v1.0.0^{commit}'])).trim()).toBe((await w.git(['rev-parse', 'HEAD'])).trim());
  } finally { await w.cleanup(); }
});

describe('mayNeedGc: whether gc --auto is worth a process', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'heater-gc-'));
    await gitOk(['init', '-q', '--bare', dir]);
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  test('a repository with a few objects and git\'s default settings: no', () => {
    expect(mayNeedGc(dir)).toBe(false);
  });

  test.each<[string, (d: string) => Promise<void>]>([
    ['a gc setting in its config', (d) => gitOk(['--git-dir', d, 'config', 'gc.auto', '10']).then(() => undefined)],
    ['an include in its config', (d) => gitOk(['--git-dir', d, 'config', 'include.path', '/dev/null']).then(() => undefined)],
    ['many loose objects', async (d) => {
      await mkdir(path.join(d, 'objects', '17'), { recursive: true });
      for (let i = 0; i < 14; i++) await writeFile(path.join(d, 'objects', '17', i.toString(16).padStart(38, '0')), '');
    }],
    ['many packs', async (d) => {
      for (let i = 0; i < 25; i++) await writeFile(path.join(d, 'objects', 'pack', `pack-${i.toString(16).padStart(40, '0')}.pack`), '');
    }],
  ])('%s: yes, git decides', async (_what, make) => {
    await make(dir);
    expect(mayNeedGc(dir)).toBe(true);
  });
});
