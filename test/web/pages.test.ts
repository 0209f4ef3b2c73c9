// The web pages over plain HTTP: bad input as HTML error pages, CSRF, the session cookie, cache headers, assets and the CSP.
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { publishFixtures } from './fixtures';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await publishFixtures(server);
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
const post = (path: string, form: Record<string, string>, cookie = '') => fetch(`${server.url}${path}`, {
  method: 'POST', redirect: 'manual', body: new URLSearchParams(form).toString(),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(cookie === '' ? {} : { Cookie: cookie }) },
});
/** The name=value of a Set-Cookie header of a response, by name, with its attributes. */
const setCookie = (r: Response, name: string) => r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
const valueOf = (c: string | undefined) => (c ?? '').split(';')[0] ?? '';
const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

/** Signs in with `token` as a browser would: the form (and its cookie), then the POST. Returns the session cookie. */
async function signIn(token: string): Promise<string> {
  const form = await get('/sign-in');
  const formCookie = valueOf(setCookie(form, 'heater_form'));
  const r = await post('/sign-in', { csrf: hidden(await form.text(), 'csrf'), token, next: '/' }, formCookie);
  expect(r.status).toBe(303);
  return valueOf(setCookie(r, 'heater_session'));
}

/** The audit entries of one action, as the admin reads them over REST. */
async function audited(action: string): Promise<number> {
  const r = await fetch(`${server.url}/api/v1/audit?action=${action}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return ((await r.json()) as { items: unknown[] }).items.length;
}

test.each([
  ['/?bogus=1', 'bogus'],
  ['/?fields=id', 'fields'],
  ['/?facets=keywords', 'facets'],
  ['/t/acme/web?tab=files', 'tab'],
  ['/t/acme/web/v/1.0.0?x=1', 'x'],
  ['/t/acme/web/v/1.0.0/files?raw=1', 'raw'],
  ['/t/acme/web/v/1.0.0/files/template.yaml?line=3', 'line'],
  ['/t/acme/web/diff?from=1.0.0&to=2.0.0&context=9', 'context'],
  ['/sign-in?redirect=/', 'redirect'],
  ['/t/acme/web/v/2.0.0/launch?stack=x', 'stack'],
  ['/?typo=', 'typo'], // empty, as a form sends its blank fields: still not a parameter of the page
])('GET %s -> a 400 page naming %s', async (url, name) => {
  const r = await get(url);
  expect(r.status).toBe(400);
  expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const html = await r.text();
  expect(html).toContain('<h1>400 Bad Request</h1>');
  expect(html).toContain(`&quot;${name}&quot; is not a parameter`);
});

test('the forms and the assets take no query either: a 400 page naming it, nothing signed in or out', async () => {
  const home = await (await get('/')).text();
  const css = /href="(\/assets\/[^"]+\.css)"/.exec(home)?.[1] ?? '';
  expect(css).not.toBe('');
  expect((await get(css)).status).toBe(200);
  for (const [method, url] of [['GET', `${css}?v=2`], ['POST', '/sign-in?next=/'], ['POST', '/sign-out?x=1']] as const) {
    const r = await fetch(`${server.url}${url}`, { method, redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, ...(method === 'POST' ? { body: `token=${TOKEN}` } : {}) });
    expect({ url, status: r.status }).toEqual({ url, status: 400 });
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(await r.text()).toContain('is not a parameter');
  }
  // the read-link form: a stranger is told to sign in first, as everywhere
  expect([401, 403]).toContain((await fetch(`${server.url}/t/acme/web/links?x=1`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'version=1.0.0' })).status);
});

test.each([
  ['/t/..x/web', 400],
  ['/t/acme/a..b', 400],
  [`/t/acme/${'a'.repeat(300)}`, 400],
  ['/t/Acme/web', 400],
  ['/t/acme/nope', 404],
  ['/t/acme/web/v/9.9.9', 404],
  ['/t/acme/web/v/%3E%3D1%20%3C', 400],
  ['/t/acme/web/v/1.0.0/files/nope.yaml', 404],
  ['/t/acme/web/v/1.0.0/files/scripts%2Finstall.sh', 400],
  ['/t/acme/web/diff?from=1.0.0', 400],
  ['/t/acme/web/diff?from=1.0.0&to=2.0.0&view=wide', 400],
  ['/t/acme/web/diff?from=1.0.0&from=2.0.0&to=2.0.0', 400],
  ['/?sort=bogus', 400],
  ['/?limit=1000', 400],
  ['/?cursor=nope', 400],
  ['/t/acme/web/nothing', 404],
  ['/t/acme/web/v/9.0.0/launch', 404],
  ['/t/secret/vault', 404],
  ['/t/secret/vault/v/1.0.0/files', 404],
  ['/assets/heater.0000000000000000.css', 404],
])('GET %s -> an HTML page with status %i', async (url, status) => {
  const r = await get(url);
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await r.text()).toContain(`<h1>${status} `);
});

test('a method a page does not serve is a 405 page with Allow', async () => {
  const r = await fetch(`${server.url}/t/acme/web`, { method: 'DELETE' });
  expect(r.status).toBe(405);
  expect(r.headers.get('allow')).toBe('GET, HEAD');
  expect(await r.text()).toContain('<h1>405 Method Not Allowed</h1>');
});

test('pages carry a strict CSP, nosniff and no-cache; their assets are hashed and immutable', async () => {
  const r = await get('/');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  expect(r.headers.get('cache-control')).toBe('no-cache');
  const html = await r.text();
  expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/); // nothing inline for the CSP to refuse
  const assets = [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
  expect(assets).toEqual([expect.stringMatching(/^\/assets\/heater\.[0-9a-f]{16}\.css$/), expect.stringMatching(/^\/assets\/heater\.[0-9a-f]{16}\.js$/)]);
  for (const a of assets) {
    const ar = await get(a);
    expect([a, ar.status, ar.headers.get('cache-control')]).toEqual([a, 200, 'public, max-age=31536000, immutable']);
    expect(ar.headers.get('content-type')).toMatch(a.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
  }
  const file = await (await get('/t/acme/web/v/1.0.0/files/template.yaml')).text();
  expect(file).toMatch(/href="\/assets\/highlight\.[0-9a-f]{16}\.css"/);
  const diff = await (await get('/t/acme/web/diff?from=1.0.0&to=2.0.0')).text();
  expect(diff).toMatch(/href="\/assets\/diff2html\.[0-9a-f]{16}\.css"/);
});

test('what a page shows is escaped: the query, and a README script is dropped', async () => {
  const r = await (await get('/?q=%3Cscript%3Ex')).text();
  expect(r).not.toContain('<script>x');
  expect(r).toContain('&lt;script>x');
  const t = await (await get('/t/acme/web')).text();
  expect(t).toContain('Serves <strong>nginx</strong>.');
  expect(t).not.toContain('alert(1)');
});

test('sign-in: the session cookie is HttpOnly, SameSite=Strict, Path=/; pages become private; sign-out ends it', async () => {
  const form = await get('/sign-in');
  expect(setCookie(form, 'heater_form')).toMatch(/^heater_form=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=86400$/);
  const formCookie = valueOf(setCookie(form, 'heater_form'));
  const r = await post('/sign-in', { csrf: hidden(await form.text(), 'csrf'), token: TOKEN, next: '/t/secret/vault' }, formCookie);
  expect(r.status).toBe(303);
  expect(r.headers.get('location')).toBe('/t/secret/vault');
  const session = setCookie(r, 'heater_session');
  expect(session).toMatch(/^heater_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/); // no Secure over plain http
  const cookie = valueOf(session);
  const page = await get('/t/secret/vault', { Cookie: cookie });
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('private, no-cache');
  expect(page.headers.get('vary')).toBe('Cookie');
  const html = await page.text();
  expect(html).toContain('Signed in as <strong>admin</strong>');
  // an Authorization header is not how pages authenticate
  expect((await get('/t/secret/vault', { Authorization: `Bearer ${TOKEN}` })).status).toBe(404);

  const out = await post('/sign-out', { csrf: hidden(html, 'csrf') }, cookie);
  expect(out.status).toBe(303);
  expect(setCookie(out, 'heater_session')).toMatch(/^heater_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/);
  expect((await get('/t/secret/vault', { Cookie: cookie })).status).toBe(404); // the server forgot the session
});

test.each([
  ['missing', undefined],
  ['wrong', 'x'.repeat(43)],
  ['of the right length in characters, not in bytes', 'é'.repeat(43)],
])('sign-in with the CSRF field %s -> 403, no session', async (_what, csrf) => {
  const form = await get('/sign-in');
  const r = await post('/sign-in', { ...(csrf === undefined ? {} : { csrf }), token: TOKEN }, valueOf(setCookie(form, 'heater_form')));
  expect(r.status).toBe(403);
  expect(setCookie(r, 'heater_session')).toBeUndefined();
  expect(await r.text()).toContain('<h1>403 Forbidden</h1>');
});

test('a wrong token is a 401 sign-in page saying so; next= never leaves the site', async () => {
  const form = await get('/sign-in');
  const cookie = valueOf(setCookie(form, 'heater_form'));
  const csrf = hidden(await form.text(), 'csrf');
  const bad = await post('/sign-in', { csrf, token: 'heater_nope' }, cookie);
  expect(bad.status).toBe(401);
  expect(await bad.text()).toContain('The token is not valid');
  for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/']) {
    const r = await post('/sign-in', { csrf, token: TOKEN, next }, cookie);
    expect([next, r.headers.get('location')]).toEqual([next, '/']);
  }
});

test.each([
  ['missing', undefined],
  ['wrong', 'x'.repeat(43)],
])('POSTs of a session with the CSRF field %s -> 403, and nothing changed', async (_what, csrf) => {
  const cookie = await signIn(TOKEN);
  const links = await audited('link.create');
  const r = await post('/t/secret/vault/links', { ...(csrf === undefined ? {} : { csrf }), version: '1.0.0', expires: '1h' }, cookie);
  expect(r.status).toBe(403);
  expect(await audited('link.create')).toBe(links); // no link was made
  const out = await post('/sign-out', { ...(csrf === undefined ? {} : { csrf }) }, cookie);
  expect(out.status).toBe(403);
  expect(await (await get('/', { Cookie: cookie })).text()).toContain('Signed in as'); // still signed in
});

test('the read-link button makes one link, with the session\'s CSRF token', async () => {
  const cookie = await signIn(TOKEN);
  const html = await (await get('/t/secret/vault', { Cookie: cookie })).text();
  const links = await audited('link.create');
  const r = await post('/t/secret/vault/links', { csrf: hidden(html, 'csrf'), version: '1.0.0', expires: '1h' }, cookie);
  expect(r.status).toBe(201);
  expect(r.headers.get('cache-control')).toBe('no-store');
  const url = /id="read-link"[^>]*value="([^"]+)"/.exec(await r.text())?.[1] ?? '';
  expect((await fetch(url)).status).toBe(200);
  expect(await audited('link.create')).toBe(links + 1);
});

test('a token revoked while signed in ends the session at the next page', async () => {
  const made = await fetch(`${server.url}/api/v1/tokens`, {
    method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'reader', scopes: ['read:secret'] }),
  });
  const { token } = (await made.json()) as { token: string };
  const cookie = await signIn(token);
  expect((await get('/t/secret/vault', { Cookie: cookie })).status).toBe(200);
  const page = await (await get('/t/secret/vault', { Cookie: cookie })).text();
  expect(page).toContain('Make a read link'); // can() lets a token share what it may read
  await fetch(`${server.url}/api/v1/tokens/reader`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
  const r = await get('/t/secret/vault', { Cookie: cookie });
  expect(r.status).toBe(303);
  expect(r.headers.get('location')).toBe('/t/secret/vault');
  expect(setCookie(r, 'heater_session')).toMatch(/Max-Age=0/);
  expect((await get('/t/secret/vault')).status).toBe(404);
});

describe('the launch form without JavaScript', () => {
  /** The form's page, its form cookie and its CSRF field. */
  async function launchForm(): Promise<{ cookie: string; csrf: string; html: string }> {
    const r = await get('/t/acme/web/v/2.0.0/launch');
    expect(r.status).toBe(200);
    const html = await r.text();
    return { cookie: valueOf(setCookie(r, 'heater_form')), csrf: hidden(html, 'csrf'), html };
  }

  test('a hidden parameter is a password input whose default never reaches the page', async () => {
    const { html } = await launchForm();
    expect(html).toMatch(/<input id="p-admin_password" name="p.admin_password"[^>]*type="password" value(?:="")? /);
    expect(html).not.toContain('changeme');
  });

  test('problems are answered 422 on the page, each under its field', async () => {
    const { cookie, csrf } = await launchForm();
    const r = await post('/t/acme/web/v/2.0.0/launch', { csrf, stack_name: '1st', 'p.port': 'eighty', 'p.flavor': 'm1.huge' }, cookie);
    expect(r.status).toBe(422);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const html = await r.text();
    for (const [id, text] of [['stack_name', 'starts with a letter'], ['p-port', 'is not a number'], ['p-key_name', 'A value is required.'], ['p-flavor', 'not one of m1.small, m1.large']]) {
      expect([id, new RegExp(`<ul id="${id}-problems"[^>]*>(.*?)</ul>`).exec(html)?.[1]]).toEqual([id, expect.stringContaining(text ?? '')]);
    }
  });

  test('a valid form shows the file and the command; download=1 answers the file as an attachment', async () => {
    const { cookie, csrf } = await launchForm();
    const form = { csrf, stack_name: 'shop', 'p.key_name': 'ada', 'p.port': '80', 'p.flavor': 'm1.small' };
    const page = await post('/t/acme/web/v/2.0.0/launch', form, cookie);
    expect(page.status).toBe(200);
    expect(/id="launch-command"[^>]*value="([^"]+)"/.exec(await page.text())?.[1]).toBe(`openstack stack create -t '${server.url}/api/v1/templates/acme/web/versions/2.0.0/files/template.yaml' -e 'environment.yaml' 'shop'`);
    const file = await post('/t/acme/web/v/2.0.0/launch', { ...form, download: '1' }, cookie);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="environment.yaml"');
    expect(file.headers.get('content-type')).toBe('application/yaml');
    expect(await file.text()).toBe('parameters:\n  "key_name": "ada"\n'); // the defaults left as they were are not repeated
  });

  test('a launch POST without the form cookie\'s value is 403', async () => {
    const { cookie } = await launchForm();
    const r = await post('/t/acme/web/v/2.0.0/launch', { csrf: 'nope', stack_name: 'shop', 'p.key_name': 'ada' }, cookie);
    expect(r.status).toBe(403);
    expect((await post('/t/acme/web/v/2.0.0/launch', { stack_name: 'shop', 'p.key_name': 'ada' })).status).toBe(403);
  });
});

test('a private template\'s files and archives are downloaded through the pages, with the session', async () => {
  const cookie = await signIn(TOKEN);
  const list = await (await get('/t/secret/vault/v/1.0.0/files', { Cookie: cookie })).text();
  expect(list).toContain('href="/t/secret/vault/v/1.0.0/raw/template.yaml"');
  expect(list).toContain('href="/t/secret/vault/v/1.0.0/archive.tar.gz"');
  const raw = await get('/t/secret/vault/v/1.0.0/raw/template.yaml', { Cookie: cookie });
  expect(raw.status).toBe(200);
  expect(raw.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
  expect(raw.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  expect(await raw.text()).toContain('description: Vault');
  const tgz = await get('/t/secret/vault/v/1.0.0/archive.tar.gz', { Cookie: cookie });
  expect([tgz.status, tgz.headers.get('content-disposition')]).toEqual([200, 'attachment; filename="vault-1.0.0.tar.gz"']);
  await tgz.arrayBuffer();
  expect((await get('/t/secret/vault/v/1.0.0/raw/template.yaml')).status).toBe(404); // signed out: as if it did not exist
  expect((await get('/t/secret/vault/v/1.0.0/archive.zip')).status).toBe(404);
  // a public template's links go to the REST API
  expect(await (await get('/t/acme/web/v/1.0.0/files')).text()).toContain('href="/api/v1/templates/acme/web/versions/1.0.0/files/template.yaml"');
});

test('behind https (HEATER_PUBLIC_URL), the cookies are Secure', async () => {
  const https = await startServer({ publicUrl: 'https://heater.example' });
  try {
    const form = await fetch(`${https.url}/sign-in`);
    const cookie = form.headers.getSetCookie().find((c) => c.startsWith('heater_form='));
    expect(cookie).toMatch(/; HttpOnly; SameSite=Strict; Path=\/; Max-Age=86400; Secure$/);
    const r = await fetch(`${https.url}/sign-in`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf: hidden(await form.text(), 'csrf'), token: TOKEN }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: valueOf(cookie) },
    });
    expect(r.headers.getSetCookie().find((c) => c.startsWith('heater_session='))).toMatch(/; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800; Secure$/);
  } finally {
    await https.close();
  }
});

test('a template without a version yet has a page saying how to publish one', async () => {
  const made = await fetch(`${server.url}/api/v1/templates`, {
    method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ namespace: 'acme', name: 'empty', description: 'Nothing yet' }),
  });
  expect(made.status).toBe(201);
  const r = await get('/t/acme/empty');
  expect(r.status).toBe(200);
  const html = await r.text();
  expect(html).toContain('No version is published yet.');
  expect(html).toContain(`git clone ${server.url}/acme/empty.git`);
  expect((await get('/t/acme/empty/v/1.0.0')).status).toBe(404);
  await fetch(`${server.url}/api/v1/templates/acme/empty`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOKEN}` } });
});

test('a browser asking for a path that is no page gets a 404 page; other clients keep the JSON 404', async () => {
  const page = await get('/no/such/page', { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
  expect([page.status, page.headers.get('content-type')]).toEqual([404, 'text/html; charset=utf-8']);
  expect(await page.text()).toContain('There is no page /no/such/page.');
  const api = await get('/no/such/page');
  expect([api.status, api.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
  const apiHtml = await get('/api/v1/nothing', { Accept: 'text/html' });
  expect([apiHtml.status, apiHtml.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
});

test('versions show their marks, labels where they point, the catalog the labels too', async () => {
  const html = await (await get('/t/acme/web')).text();
  const row = (v: string) => new RegExp(`<tr[^>]*><th scope="row"><a href="/t/acme/web/v/${v.replace(/\./g, '\\.')}"[^]*?</tr>`).exec(html)?.[0] ?? '';
  expect(row('1.0.0')).toContain('yanked');
  expect(row('1.0.0')).toContain('Breaks the network');
  expect(row('1.1.0')).toContain('deprecated');
  expect(row('2.0.0')).not.toMatch(/yanked|deprecated/);
  expect(html).toContain('<a href="/t/acme/web/v/stable">stable</a> → 1.1.0');
  expect(await (await get('/t/acme/web/v/1.0.0')).text()).toContain('<strong>Yanked:</strong> Breaks the network');
  expect(await (await get('/?q=nginx')).text()).toContain('<span class="badge">stable → 1.1.0</span>');
});

test('pages of results follow the API\'s cursors, and every state is a URL', async () => {
  const ids = (html: string) => [...html.matchAll(/<h3><a href="\/t\/([^"]+)">/g)].map((m) => m[1]);
  const first = await (await get('/?limit=1&sort=name')).text();
  expect(ids(first)).toEqual(['acme/db']);
  expect(first).toContain('<strong>2</strong> templates');
  const next = /<a rel="next" href="([^"]+)"/.exec(first)?.[1]?.replace(/&amp;/g, '&') ?? '';
  expect(next).toMatch(/^\/\?sort=name&limit=1&cursor=[\w-]+$/);
  const second = await (await get(next)).text();
  expect(ids(second)).toEqual(['acme/web']);
  expect(second).not.toContain('rel="next"');
  expect(second).toContain('<a href="/?sort=name&amp;limit=1">First page</a>');
  // a facet link keeps the other filters and starts again at the first page
  expect(second).toContain('href="/?keyword=nginx&amp;sort=name&amp;limit=1"');
});

test('the licence facet filters, and its chip takes the filter off', async () => {
  const ids = (html: string) => [...html.matchAll(/<h3><a href="\/t\/([^"]+)">/g)].map((m) => m[1]);
  const all = await (await get('/?sort=name')).text();
  expect(all).toContain('href="/?license=MIT&amp;sort=name"');
  const mit = await (await get('/?license=MIT&sort=name')).text();
  expect(ids(mit)).toEqual(['acme/db']);
  expect(mit).toMatch(/licence: MIT/);
  expect(mit).toContain('href="/?sort=name"'); // the chip
  expect((await get(`/?license=${'x'.repeat(129)}`)).status).toBe(400);
});
