// hooks/pre-receive: installed, found current without reading it again, and found stale whatever changed it.
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hookState, installHooks } from '../../src/git/hooks/install';
import { gitOk, tempDir } from '../helpers/git-client';

let dir: string;
let gitDir: string;
beforeEach(async () => {
  dir = await tempDir('heater-hooks-');
  gitDir = path.join(dir, 'r.git');
  await gitOk(['init', '-q', '--bare', gitDir]);
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

test.each<[string, (hook: string, text: string) => Promise<void>]>([
  ['replaced by another script', (hook) => writeFile(hook, '#!/bin/sh\nexit 0\n', { mode: 0o755 })],
  ['edited to the same size', (hook, text) => writeFile(hook, `${text.slice(0, -2)}#\n`)],
  ['made not executable', (hook) => chmod(hook, 0o644)],
])('a hook %s after it was found current is stale, and installHooks puts it back', async (_what, change) => {
  const hook = path.join(gitDir, 'hooks', 'pre-receive');
  await installHooks(gitDir);
  expect(await hookState(gitDir)).toBe('current');
  expect(await hookState(gitDir)).toBe('current'); // the second time from its stamp
  const text = await readFile(hook, 'utf8');
  await change(hook, text);
  expect(await hookState(gitDir)).toBe('stale');
  await installHooks(gitDir);
  expect([await hookState(gitDir), await readFile(hook, 'utf8')]).toEqual(['current', text]);
});

test('a removed hook is missing', async () => {
  await installHooks(gitDir);
  await rm(path.join(gitDir, 'hooks', 'pre-receive'));
  expect(await hookState(gitDir)).toBe('missing');
});
