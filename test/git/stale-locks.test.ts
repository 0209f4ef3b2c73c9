// Lock files a killed git left (test/crash.test.ts found one behind a killed push): gone at the next start, so the next push goes through.
import { access, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

let reposDir: string;
let work: WorkRepo;
beforeEach(async () => {
  reposDir = await mkdtemp(path.join(os.tmpdir(), 'heater-locks-'));
  work = await WorkRepo.create();
});
afterEach(async () => {
  await work.cleanup();
  await rm(reposDir, { recursive: true, force: true });
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('a ref lock and a packed-refs lock left by a killed git are removed at start-up, and the next push is accepted', async () => {
  const first = await startServer({}, { reposDir });
  await work.commit({ 'template.yaml': hotTemplate(1) });
  await work.tag('v1.0.0');
  await work.git(['push', '-q', `${first.authUrl}/acme/web.git`, 'main', 'v1.0.0']);
  await first.close();
  // what git leaves when it is killed between making a lock and renaming it into place
  const gitDir = path.join(await realpath(reposDir), 'acme', 'web.git');
  const locks = ['refs/heads/main.lock', 'packed-refs.lock', 'refs/tags/v1.1.0.lock'].map((f) => path.join(gitDir, f));
  for (const f of locks) await writeFile(f, '0000000000000000000000000000000000000000\n');
  await work.commit({ 'template.yaml': hotTemplate(2) });
  await work.tag('v1.1.0');
  const second = await startServer({}, { reposDir });
  try {
    const push = await work.run(['push', `${second.authUrl}/acme/web.git`, 'main', 'v1.1.0']);
    expect([push.code, push.stderr.includes('cannot lock')]).toEqual([0, false]);
    for (const f of locks) await expect(access(f)).rejects.toThrow();
  } finally {
    await second.close();
  }
});
