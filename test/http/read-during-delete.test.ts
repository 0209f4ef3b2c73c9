// A template read while it is deleted (found by the fuzz test): 404, never a 500.
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { rawGet } from '../helpers/http';

let server: TestServer;
beforeEach(async () => { server = await startServer(); });
afterEach(async () => {
  await server.close();
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

test('GET of a template whose refused push-to-create is removing its empty repo answers 200 or 404', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (let i = 0; i < 20; i++) {
    // a refused push-to-create: the repo is made, the request refused (415 or git's own refusal), the empty repo removed after the answer
    const push = await fetch(`${server.url}/acme/web.git/git-receive-pack`, {
      method: 'POST', headers: { ...auth, 'content-type': i % 2 ? 'text/plain' : 'application/x-git-receive-pack-request' }, body: `not a pack ${i}`,
    });
    await push.arrayBuffer();
    const r = await rawGet(server.url, '/api/v1/templates/acme/web', auth);
    expect([r.status, r.type]).toEqual([r.status === 200 ? 200 : 404, r.status === 200 ? 'application/json; charset=utf-8' : 'application/problem+json']);
  }
});
