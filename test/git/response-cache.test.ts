// ResponseCache.keyOf: which upload-pack requests may share a kept answer (a clone's), and which never (a fetch saying what it has).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ResponseCache } from '../../src/git/response-cache';
import { gitOk } from '../helpers/git-client';

let dir: string;
let gitDir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'heater-response-cache-'));
  gitDir = path.join(dir, 'r.git');
  await gitOk(['init', '-q', '--bare', gitDir]);
  await new Promise((r) => setTimeout(r, 30)); // the ref files' stamp is trusted once 20 ms old
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
const oid = (n: number) => n.toString(16).padStart(40, 'a');
const wants = Array.from({ length: 300 }, (_, i) => pkt(`want ${oid(i)}\n`)).join('');
const fetchOf = (...lines: string[]) => Buffer.from(`${pkt('command=fetch\n')}0001${wants}${lines.join('')}${pkt('done\n')}0000`, 'latin1');

test.each([
  ['a clone (wants only)', fetchOf(), true],
  ['a fetch with a have line', fetchOf(pkt(`have ${oid(7)}\n`)), false],
  ['"have " that is not a have line (a ref-prefix argument)', fetchOf(pkt('ref-prefix refs/heads/have x\n')), true],
])('%s: kept %s', (_what, body, kept) => {
  const cache = new ResponseCache(path.join(dir, 'responses'), 'salt');
  const key = cache.keyOf(gitDir, 'version=2', body);
  expect(key !== null).toBe(kept);
  if (key !== null) expect(cache.keyOf(gitDir, 'version=2', Buffer.from(body))).toBe(key); // the same request, the same key
});
