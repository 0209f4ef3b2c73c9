// A real Heat client (python3-heatclient) loads a template by URL: get_file and nested templates resolve against it, in a private namespace through a read link.
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { WorkRepo } from '../helpers/git-client';
import { heatLoad, NESTED, TEMPLATE } from '../helpers/heat';

let server: TestServer;
let w: WorkRepo;
const admin = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

beforeAll(async () => {
  server = await startServer();
  w = await WorkRepo.create();
  await w.commit({ 'template.yaml': TEMPLATE, 'nested/volume.yaml': NESTED, 'scripts/install.sh': 'echo install 1\n', 'scripts/setup.sh': 'echo setup 1\n' }, 'one');
  await w.tag('v1.2.0');
  await w.commit({ 'scripts/install.sh': 'echo install 2\n' }, 'two');
  await w.tag('v1.3.0');
  for (const ns of ['acme', 'vault']) {
    const r = await w.run(['push', `${server.authUrl}/${ns}/stack.git`, 'main', '--tags']);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  await fetch(`${server.url}/api/v1/namespaces/vault`, { method: 'PATCH', headers: admin, body: '{"anonymousRead":false}' });
});
afterAll(async () => { await w.cleanup(); await server.close(); });

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

describe('a private template, through a read link', () => {
  /** A read link to vault/stack as the admin asks for it. */
  const link = async (body: Record<string, string>) => {
    const res = await fetch(`${server.url}/api/v1/templates/vault/stack/links`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { url: string; prefix: string; expires: string };
  };

  test('without the link Heat cannot have it; with a link to one version, the template, its get_file and its nested template all come through', async () => {
    const plain = `${server.url}/api/v1/templates/vault/stack/versions/1.2.0/files/template.yaml`;
    await expect(heatLoad(plain)).rejects.toThrow(/404/);
    const { url, prefix } = await link({ version: '1.2.0', expires: '1h' });
    expect(url).toBe(`${prefix}/api/v1/templates/vault/stack/versions/1.2.0/files/template.yaml`);
    const { template, files } = await heatLoad(url);
    expect(template.heat_template_version).toBe('2021-04-16');
    const base = `${prefix}/api/v1/templates/vault/stack/versions/1.2.0/files`;
    expect(files[`${base}/scripts/install.sh`]).toBe('echo install 1\n');
    expect(files[`${base}/nested/volume.yaml`]).toContain('OS::Cinder::Volume');
    expect(files[`${base}/scripts/setup.sh`]).toBe('echo setup 1\n');
  });

  test('a link to the whole template reads any version, by a range too', async () => {
    const { prefix } = await link({ expires: '1h' });
    const base = `${prefix}/api/v1/templates/vault/stack/versions/%5E1.2/files`;
    expect((await heatLoad(`${base}/template.yaml`)).files[`${base}/scripts/install.sh`]).toBe('echo install 2\n');
  });

  test('an expired, altered, other-template or other-version link is refused', async () => {
    const { url, prefix } = await link({ version: '1.2.0', expires: '1h' });
    const token = prefix.slice(prefix.lastIndexOf('/') + 1);
    const [claims = '', sig = ''] = token.split('.');
    const forged = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
    const altered = [
      url.replace(token, `${claims}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`), // another signature
      url.replace(token, `${Buffer.from(JSON.stringify({ ...forged, ver: null })).toString('base64url')}.${sig}`), // widened to every version
      url.replace(token, `${Buffer.from(JSON.stringify({ ...forged, exp: Number(forged.exp) + 86400 })).toString('base64url')}.${sig}`), // lengthened
    ];
    for (const u of altered) await expect(heatLoad(u)).rejects.toThrow(/403/);
    await expect(heatLoad(url.replace('/vault/stack/', '/acme/stack/'))).rejects.toThrow(/403/); // another template, public at that
    await expect(heatLoad(url.replace('/versions/1.2.0/', '/versions/1.3.0/'))).rejects.toThrow(/403/);
    const soon = await link({ version: '1.2.0', expires: new Date(Date.now() + 4000).toISOString() }); // long enough to be read once on a loaded machine
    expect((await fetch(soon.url)).status).toBe(200);
    while (Date.now() <= Date.parse(soon.expires)) await new Promise((r) => setTimeout(r, 50));
    await expect(heatLoad(soon.url)).rejects.toThrow(/403/);
  });
});
