// Values are reported as Heat reads them (YAML 1.1 through PyYAML), through the public API:
// the interface of a version, the structural diff and the upgrade summary.
import { startServer, TOKEN, type TestServer } from '../helpers/server';

let server: TestServer;
const api = (p: string) => `${server.url}/api/v1/templates/acme/values${p}`;
const template = (flag: string, extra = '') => `heat_template_version: 2018-08-31
parameters:
  flag: {type: boolean, default: ${flag}}
  day: {type: string, default: 2013-05-23}
  mode: {type: number, default: 0755}
  duration: {type: number, default: 1:30}
  word: {type: string, default: 1e3}${extra}
resources: {}
`;
const publish = (version: string, text: string) => fetch(api('/versions'), {
  method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ version, files: { 'template.yaml': text } }),
});

beforeAll(async () => {
  server = await startServer();
  expect((await publish('1.0.0', template('yes'))).status).toBe(201);
  expect((await publish('1.0.1', template('on'))).status).toBe(201);
  expect((await publish('1.1.0', template('off'))).status).toBe(201);
});
afterAll(async () => { await server.close(); });

test('the interface holds what Heat holds: yes is true, a date stays text, 0755 is octal, 1:30 is 90, 1e3 is text', async () => {
  const v = (await (await fetch(api('/versions/1.0.0'))).json()) as { interface: { parameters: { name: string; default?: unknown }[] } };
  expect(Object.fromEntries(v.interface.parameters.map((p) => [p.name, p.default]))).toEqual({ flag: true, day: '2013-05-23', mode: 493, duration: 90, word: '1e3' });
});

test('yes and on are the same value to Heat: no structural change, nothing in the summary', async () => {
  const d = (await (await fetch(api('/diff?from=1.0.0&to=1.0.1&structural=true'))).json()) as { summary: { changes: unknown[] }; structural: { changes: unknown[] }[] };
  expect(d.summary.changes).toEqual([]);
  expect(d.structural.flatMap((y) => y.changes)).toEqual([]);
});

test('on to off is a default changed from true to false', async () => {
  const d = (await (await fetch(api('/diff?from=1.0.1&to=1.1.0'))).json()) as { summary: { changes: { change: string; name: string; old?: unknown; new?: unknown }[] } };
  expect(d.summary.changes).toEqual([expect.objectContaining({ change: 'parameter-default-changed', name: 'flag', old: true, new: false })]);
});
