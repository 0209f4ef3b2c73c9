// The Heat summary follows a moved template as git's rename detection does: the real move of
// heat-templates' example-cloud-init.yaml (R098 in git), and an entrypoint that moved in heater.yaml.
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';
import { compatibility, templateMoves } from '../../src/diff/compat';

const OLD = fs.readFileSync(path.join(__dirname, 'moved-template/old.yaml'), 'utf8');
const NEW = fs.readFileSync(path.join(__dirname, 'moved-template/new.yaml'), 'utf8');
const FROM = 'hot/software-config/example-cloud-init.yaml';
const TO = 'hot/software-config/example-templates/example-cloud-init.yaml';

let server: TestServer;
let w: WorkRepo;
beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({ [FROM]: OLD, 'heater.yaml': `entrypoint: ${FROM}\n` }, 'before the move');
  await w.tag('v1.0.0');
  await w.commit({ [FROM]: null, [TO]: NEW, 'heater.yaml': `entrypoint: ${TO}\n` }, 'move to example-templates');
  await w.tag('v1.1.0');
  const r = await w.run(['push', `${server.authUrl}/acme/moved.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => { await w.cleanup(); await server.close(); });

test('git itself calls it a rename; the summary compares the template across it: a default added, minor', async () => {
  expect(await w.git(['diff', '-M', '--name-status', 'v1.0.0', 'v1.1.0'])).toMatch(new RegExp(`^R\\d+\\t${FROM}\\t${TO}$`, 'm'));
  const res = await fetch(`${server.url}/api/v1/templates/acme/moved/diff?from=1.0.0&to=1.1.0`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { summary: { required: string; changes: { file: string; change: string; name: string; old?: unknown }[] }; files: { path: string; oldPath?: string; status: string }[] };
  expect(body.files.find((f) => f.path === TO)).toMatchObject({ oldPath: FROM, status: 'renamed' });
  expect(body.summary.changes.map((c) => [c.file, c.change, c.name])).toEqual(expect.arrayContaining([
    [TO, 'template-moved', TO],
    [TO, 'parameter-default-added', 'image'],
  ]));
  expect(body.summary.changes.find((c) => c.change === 'template-moved')?.old).toBe(FROM);
  expect(body.summary.changes.some((c) => c.change === 'template-removed' || c.change === 'template-added')).toBe(false);
  expect(body.summary.required).toBe('minor');
});

test('an entrypoint moved in heater.yaml pairs the files even when they share little', () => {
  const before = new Map([['heater.yaml', 'entrypoint: a.yaml\n'], ['a.yaml', hotTemplate(1)]]);
  const after = new Map([['heater.yaml', 'entrypoint: b.yaml\n'], ['b.yaml', `${hotTemplate(2)}# rewritten\n`.replace(/m1\.small/g, 'm1.large')]]);
  expect([...templateMoves(before, after)]).toEqual([['b.yaml', 'a.yaml']]);
  expect(compatibility(before, after).changes.map((c) => c.change)).toContain('template-moved');
});

test('unrelated templates are not paired: one removed (major), one added', () => {
  const before = new Map([['a.yaml', 'heat_template_version: 2018-08-31\nparameters:\n  x: {type: string}\n']]);
  const after = new Map([['b.yaml', 'heat_template_version: 2021-04-16\nresources:\n  r: {type: OS::Heat::None}\noutputs:\n  o: {value: 1}\n']]);
  expect(templateMoves(before, after).size).toBe(0);
  expect(compatibility(before, after).changes.map((c) => c.change).sort()).toEqual(['template-added', 'template-removed']);
  expect(compatibility(before, after).required).toBe('major');
});
