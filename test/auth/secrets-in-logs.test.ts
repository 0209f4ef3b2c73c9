// Tokens never reach the server's log, whatever happens to them (pushes, wrong tokens, token management), at debug level.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import { TOKEN } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

test('no token appears in the log', async () => {
  const lines: string[] = [];
  const reposDir = await mkdtemp(path.join(os.tmpdir(), 'heater-logs-'));
  const app = await createApp(testConfig({ reposDir, adminToken: TOKEN, logLevel: 'debug' }), { log: createLogger('debug', (l) => lines.push(l)) });
  const url = await app.listen();
  const u = new URL(url);
  const w = await WorkRepo.create();
  try {
    const made = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{"name":"ci","scopes":["write:acme"]}' });
    const ci = ((await made.json()) as { token: string }).token;
    await w.commit({ 'template.yaml': hotTemplate(1) });
    await w.tag('v1.0.0');
    await w.run(['push', `http://x:${ci}@${u.host}/acme/app.git`, 'main', 'v1.0.0']);
    await w.tag('v1.0.0', { force: true });
    await w.run(['push', '--force', `http://x:${ci}@${u.host}/acme/app.git`, 'v1.0.0']); // refused, logged
    await w.run(['push', `http://x:not-the-token-${TOKEN}@${u.host}/acme/app.git`, 'main']);
    await fetch(`${url}/api/v1/templates/acme/app`, { method: 'DELETE', headers: { Authorization: `Bearer ${ci}` } });
    expect(lines.length).toBeGreaterThan(0);
    const text = lines.join('');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(ci.slice('heater_'.length + 13));
  } finally {
    await w.cleanup();
    await app.close();
    await rm(reposDir, { recursive: true, force: true });
  }
});
