// A real Heat client (python3-heatclient) loads a template by URL: get_file and nested templates resolve against it.
import { execFile } from 'node:child_process';
import { startServer, type TestServer } from '../helpers/server';
import { WorkRepo } from '../helpers/git-client';

const PYTHON = '/usr/bin/python3'; // Debian's python, where apt puts heatclient (a pyenv python3 may be first on PATH)
let server: TestServer;
let w: WorkRepo;

const TEMPLATE = `heat_template_version: 2021-04-16
resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: m1.small
      user_data: { get_file: scripts/install.sh }
  data:
    type: nested/volume.yaml
`;
const NESTED = `heat_template_version: 2021-04-16
resources:
  vol:
    type: OS::Cinder::Volume
    properties:
      metadata:
        setup: { get_file: ../scripts/setup.sh }
`;

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({ 'template.yaml': TEMPLATE, 'nested/volume.yaml': NESTED, 'scripts/install.sh': 'echo install 1\n', 'scripts/setup.sh': 'echo setup 1\n' }, 'one');
  await w.tag('v1.2.0');
  await w.commit({ 'scripts/install.sh': 'echo install 2\n' }, 'two');
  await w.tag('v1.3.0');
  const r = await w.run(['push', `${server.authUrl}/acme/stack.git`, 'main', '--tags']);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(async () => { await w.cleanup(); await server.close(); });

/** What heatclient's template_utils.get_template_contents makes of a template URL: the template and its files by URL. */
// Async: the server under test runs in this process and must keep answering while heatclient fetches.
function heatLoad(url: string): Promise<{ template: Record<string, unknown>; files: Record<string, string> }> {
  const script = `
import json, sys
from heatclient.common import template_utils
files, template = template_utils.get_template_contents(template_url=sys.argv[1])
files = {k: v.decode("utf-8") if isinstance(v, bytes) else v for k, v in files.items()}  # heatclient keeps get_file bodies as bytes
print(json.dumps({"template": template, "files": files}, default=str))
`;
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', script, url], { env: { ...process.env, no_proxy: '*' }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`heatclient failed (is python3-heatclient installed? .ci/run installs it): ${stderr}`)); return; }
      resolve(JSON.parse(stdout) as { template: Record<string, unknown>; files: Record<string, string> });
    });
  });
}

test('get_file and a nested template, relative to the template URL, come from the same version', async () => {
  const base = `${server.url}/api/v1/templates/acme/stack/versions/1.2.0/files`;
  const { template, files } = await heatLoad(`${base}/template.yaml`);
  expect(template.heat_template_version).toBe('2021-04-16');
  expect(files[`${base}/scripts/install.sh`]).toBe('echo install 1\n');
  expect(files[`${base}/nested/volume.yaml`]).toContain('OS::Cinder::Volume');
  expect(files[`${base}/scripts/setup.sh`]).toBe('echo setup 1\n');
});

test('through a range, every file comes from the version the range resolves to', async () => {
  const base = `${server.url}/api/v1/templates/acme/stack/versions/%5E1.2/files`;
  const { files } = await heatLoad(`${base}/template.yaml`);
  expect(files[`${base}/scripts/install.sh`]).toBe('echo install 2\n');
});
