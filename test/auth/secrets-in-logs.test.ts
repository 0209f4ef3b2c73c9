// Tokens, read links and the link secret never reach the server's log (messages and access lines), whatever happens to them (pushes, clones, wrong tokens, token and link management, secrets in queries and headers), at debug level.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app';
import { testConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import { TOKEN, waitFor } from '../helpers/server';
import { WorkRepo, hotTemplate } from '../helpers/git-client';

test('no token and no read link appears in the log', async () => {
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
    // read links: made, used (REST and git), used where they do not reach, forged, revoked; the secret rotated
    const made2 = await fetch(`${url}/api/v1/templates/acme/app/links`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: '{}' });
    const link = (await made2.json()) as { id: string; prefix: string };
    const signed = link.prefix.slice(link.prefix.lastIndexOf('/l/') + 3);
    for (const p of ['/api/v1/templates/acme/app/versions/1.0.0/files/template.yaml', '/api/v1/templates/acme/other', '/api/v1/nothing', '/api/v1/templates/acme/app/versions/9.9.9']) await fetch(`${link.prefix}${p}`);
    await fetch(`${url}/l/${signed.slice(0, -2)}xx/api/v1/templates/acme/app`);
    await w.run(['ls-remote', `${link.prefix}/acme/app.git`]);
    await w.run(['push', `${link.prefix}/acme/app.git`, 'main']);
    await fetch(`${url}/api/v1/templates/acme/app/links/${link.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
    await fetch(`${link.prefix}/api/v1/templates/acme/app`);
    const linkSecret = (await readFile(path.join(reposDir, '.heater', 'link-secret'), 'utf8')).trim();
    await fetch(`${url}/api/v1/links/rotate-secret`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    // secrets where a careless log would copy them: the query, headers, a clone URL's userinfo
    await fetch(`${url}/api/v1/templates?q=${encodeURIComponent(ci)}`, { headers: { Authorization: `Bearer ${ci}`, Cookie: `session=${TOKEN}`, 'X-Request-Id': 'secrets-test-1' } });
    await fetch(`${url}/api/v1/whoami?token=${TOKEN}`, { headers: { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
    await w.run(['ls-remote', `http://x:${ci}@${u.host}/acme/app.git`]);
    await fetch(`${url}/api/v1/templates/acme/app`, { method: 'DELETE', headers: { Authorization: `Bearer ${ci}` } });
    const ended = await fetch(`${url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    // every request got its access line (the last one too): what is checked below is the whole log of the run
    expect(await waitFor(() => lines.some((l) => l.includes(`"requestId":"${ended.headers.get('x-request-id') ?? ''}"`)))).toBe(true);
    expect(lines.some((l) => l.includes('"requestId":"secrets-test-1"'))).toBe(true);
    expect(lines.filter((l) => l.includes('"kind":"access"')).length).toBeGreaterThan(20);
    const text = lines.join('');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(ci.slice('heater_'.length + 13));
    expect(text).not.toContain(signed.split('.')[1]);
    expect(text).not.toContain(linkSecret);
    expect(text).not.toContain(Buffer.from(`x:${TOKEN}`).toString('base64'));
    expect(text).not.toContain(encodeURIComponent(ci).slice(-20));
    expect(text).not.toMatch(/authorization|cookie/i);
  } finally {
    await w.cleanup();
    await app.close();
    await rm(reposDir, { recursive: true, force: true });
  }
});
