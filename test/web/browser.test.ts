// The web catalog in a real browser (Debian's chromium through playwright-core): every page used, screenshot, checked by axe, and read without JavaScript.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer, TOKEN, type TestServer } from '../helpers/server';
import { publishFixtures } from './fixtures';

const AXE = readFileSync(require.resolve('axe-core'), 'utf8');
// what environmentFile writes for the values the launch test fills in: every string double-quoted, numbers as numbers
const ENV = 'parameters:\n  "flavor": "m1.large"\n  "port": 8080\n  "key_name": "ada"\n';
const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

interface AxeResult { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer();
  await publishFixtures(server);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Screenshots the page and runs axe on it; returns the serious and critical violations (expected: none). */
async function check(p: Page, name: string): Promise<string[]> {
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  // the pages' CSP refuses addScriptTag's inline script (as it should): axe is evaluated through the DevTools protocol instead
  await p.evaluate(AXE);
  const result = await p.evaluate(() => (window as unknown as { axe: { run: () => Promise<unknown> } }).axe.run()) as AxeResult;
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${JSON.stringify(v.nodes.map((n) => n.target))})`);
}

const results = (p: Page) => p.locator('ol.results h3 a').allTextContents();

test('search as you type, then filter by a facet', async () => {
  await page.goto(`${server.url}/`);
  expect(await page.locator('h1').textContent()).toBe('Templates');
  expect(await results(page)).toEqual(['acme/db', 'acme/web']); // secret/vault is private
  expect(await check(page, 'catalog')).toEqual([]);

  await page.locator('#q').fill('postgres');
  await page.waitForURL(/\?q=postgres/);
  await page.waitForFunction(() => document.querySelectorAll('ol.results h3 a').length === 1);
  expect(await results(page)).toEqual(['acme/db']);

  await page.goto(`${server.url}/`);
  await page.locator('.facet a', { hasText: 'nginx' }).click();
  await page.waitForURL(/keyword=nginx/);
  expect(await results(page)).toEqual(['acme/web']);
  expect(await page.locator('.chips').textContent()).toContain('keyword: nginx');
  expect(await check(page, 'catalog-facet')).toEqual([]);
});

test('open a template, switch version, open a file', async () => {
  await page.goto(`${server.url}/`);
  await page.locator('ol.results a', { hasText: 'acme/web' }).click();
  await page.waitForURL(/\/t\/acme\/web$/);
  expect(await page.locator('h1').textContent()).toBe('acme/web 2.0.0');
  expect(await page.locator('.markdown strong').textContent()).toBe('nginx'); // Markdown rendered
  expect(await page.locator('.markdown script').count()).toBe(0); // and sanitised
  expect(await page.locator('#stack-create').inputValue()).toBe(`openstack stack create -t ${server.url}/api/v1/templates/acme/web/versions/2.0.0/files/template.yaml web`);
  expect(await page.locator('.changelog').textContent()).toContain('Breaking');
  expect(await check(page, 'template')).toEqual([]);

  await page.locator('table a', { hasText: '1.1.0' }).click();
  await page.waitForURL(/\/v\/1\.1\.0$/);
  expect(await page.locator('h1').textContent()).toBe('acme/web 1.1.0');
  expect(await page.locator('.notice.warn').textContent()).toContain('Use 2.0.0');
  expect(await check(page, 'template-version')).toEqual([]);

  await page.locator('.tabs a', { hasText: 'Files' }).click();
  await page.waitForURL(/\/v\/1\.1\.0\/files$/);
  expect(await check(page, 'files')).toEqual([]);
  await page.locator('table a', { hasText: 'template.yaml' }).click();
  await page.waitForURL(/files\/template\.yaml$/);
  expect(await page.locator('#L1 .src').textContent()).toBe('heat_template_version: 2021-04-16');
  expect(await page.locator('#L1 .hljs-attr').count()).toBe(1); // highlighted
  expect(await page.locator('a', { hasText: 'Raw' }).first().getAttribute('href')).toBe('/api/v1/templates/acme/web/versions/1.1.0/files/template.yaml');
  expect(await check(page, 'file')).toEqual([]);
});

test('diff two versions, unified and side by side, breaking changes first', async () => {
  await page.goto(`${server.url}/t/acme/web`);
  await page.locator('#from').selectOption('1.0.0');
  await page.locator('#to').selectOption('2.0.0');
  await page.locator('form[action="/t/acme/web/diff"] button').click();
  await page.waitForURL(/diff\?from=1\.0\.0&to=2\.0\.0/);
  const first = await page.locator('.summary li').first().textContent();
  expect(first).toContain('key_name');
  expect(first).toContain('breaking');
  expect(await page.locator('.d2h-file-wrapper').count()).toBeGreaterThan(0);
  expect(await check(page, 'diff-unified')).toEqual([]);
  await page.locator('.tabs a', { hasText: 'Side by side' }).click();
  await page.waitForURL(/view=split/);
  expect(await page.locator('.d2h-file-side-diff').count()).toBeGreaterThan(0);
  expect(await check(page, 'diff-split')).toEqual([]);
});

test('sign in to see a private template, make a read link, sign out', async () => {
  const own = await browser.newContext();
  const p = await own.newPage();
  try {
    expect((await p.goto(`${server.url}/t/secret/vault`))?.status()).toBe(404);
    expect(await check(p, 'not-found')).toEqual([]);
    await p.goto(`${server.url}/sign-in?next=%2Ft%2Fsecret%2Fvault`);
    expect(await check(p, 'sign-in')).toEqual([]);
    await p.locator('#token').fill('heater_not-a-token');
    await p.locator('form button[type=submit]', { hasText: 'Sign in' }).click();
    expect(await p.locator('[role=alert]').textContent()).toContain('not valid');
    await p.locator('#token').fill(TOKEN);
    await p.locator('form button[type=submit]', { hasText: 'Sign in' }).click();
    await p.waitForURL(/\/t\/secret\/vault$/);
    expect(await p.locator('h1').textContent()).toBe('secret/vault 1.0.0');
    expect(await p.locator('header .account').textContent()).toContain('Signed in as admin');
    await p.locator('button', { hasText: 'Make a read link' }).click();
    const link = await p.locator('#read-link').inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/l/[^/]+/api/v1/templates/secret/vault/versions/1.0.0/files/template.yaml$`));
    expect((await fetch(link)).status).toBe(200); // what Heat would fetch
    expect(await check(p, 'template-private')).toEqual([]);
    await p.goto(`${server.url}/`);
    expect(await results(p)).toEqual(['acme/db', 'acme/web', 'secret/vault']);
    await p.locator('button', { hasText: 'Sign out' }).click();
    await p.waitForURL(`${server.url}/`);
    expect(await results(p)).toEqual(['acme/db', 'acme/web']);
  } finally {
    await own.close();
  }
});

test('the resource graph, then the launch form: checked as you type, the environment file downloaded', async () => {
  await page.goto(`${server.url}/t/acme/web`);
  expect(await page.locator('.graph svg .node').count()).toBe(2);
  expect(await page.locator('.graph svg a.node').getAttribute('href')).toBe('/t/acme/web/v/2.0.0/files/lib/disk.yaml'); // the nested template
  await page.locator('.tabs a', { hasText: 'Launch form' }).click();
  await page.waitForURL(/\/v\/2\.0\.0\/launch$/);
  expect(await page.locator('#p-admin_password').getAttribute('type')).toBe('password'); // hidden: masked
  expect(await page.locator('#p-admin_password').inputValue()).toBe(''); // and its default is never sent to the page
  expect(await check(page, 'launch')).toEqual([]);
  await page.locator('#p-port').fill('eighty');
  await page.waitForSelector('#p-port-problems li');
  expect(await page.locator('#p-port-problems').textContent()).toContain('is not a number');
  await page.locator('#p-port').fill('8080');
  await page.waitForFunction(() => document.querySelectorAll('#p-port-problems li').length === 0);
  await page.locator('#p-key_name').fill('ada');
  await page.locator('#p-flavor').selectOption('m1.large');
  await page.locator('#stack_name').fill('shop');
  await page.locator('form[data-launch-form] button[type=submit]').click();
  await page.waitForSelector('#environment');
  expect(await page.locator('#environment').textContent()).toBe(ENV);
  expect(await page.locator('#launch-command').inputValue()).toBe(`openstack stack create -t '${server.url}/api/v1/templates/acme/web/versions/2.0.0/files/template.yaml' -e 'environment.yaml' 'shop'`);
  expect(await check(page, 'launch-result')).toEqual([]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button', { hasText: 'Download environment.yaml' }).click()]);
  expect(download.suggestedFilename()).toBe('environment.yaml');
  expect(readFileSync(await download.path(), 'utf8')).toBe(ENV);
});

test('dark mode, a phone-sized screen and the keyboard', async () => {
  const dark = await browser.newContext({ colorScheme: 'dark', viewport: { width: 390, height: 844 } });
  const p = await dark.newPage();
  try {
    for (const [url, name] of [['/', 'catalog'], ['/t/acme/web', 'template'], ['/t/acme/web/v/2.0.0/files/template.yaml', 'file'], ['/t/acme/web/diff?from=1.0.0&to=2.0.0', 'diff'], ['/t/acme/web/v/2.0.0/launch', 'launch']]) {
      await p.goto(`${server.url}${url}`);
      expect([url, await p.evaluate(() => getComputedStyle(document.body).backgroundColor)]).toEqual([url, 'rgb(13, 17, 23)']);
      // nothing but the scrolling regions (code, tables, the diff) is wider than the screen
      const wide = await p.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll, .d2h-wrapper, .d2h-file-list-wrapper')).map((e) => `${e.tagName}.${e.className}`).slice(0, 5));
      expect([url, wide]).toEqual([url, []]);
      expect([url, await check(p, `${name}-dark-phone`)]).toEqual([url, []]);
    }
    // the first Tab reaches the skip link, which moves the focus to the content
    await p.goto(`${server.url}/t/acme/web`);
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await p.keyboard.press('Enter');
    await p.waitForURL(/#main$/);
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('main');
  } finally {
    await dark.close();
  }
});

test('every page reads without JavaScript', async () => {
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const p = await plain.newPage();
  try {
    const pages: [string, string, string][] = [
      ['/', 'h1', 'Templates'],
      ['/?q=postgres', 'ol.results', 'acme/db'],
      ['/?keyword=web', 'ol.results', 'acme/web'],
      ['/t/acme/web', '.markdown', 'nginx'],
      ['/t/acme/web/v/1.0.0', 'h1', 'acme/web 1.0.0'],
      ['/t/acme/web/v/1.0.0/files', 'table', 'scripts/install.sh'],
      ['/t/acme/web/v/1.0.0/files/scripts/install.sh', '#L2', 'echo hello'],
      ['/t/acme/web/diff?from=1.0.0&to=2.0.0', '.summary', 'key_name'],
      ['/t/acme/web/diff?from=1.0.0&to=2.0.0&view=split', '.d2h-file-side-diff', 'nginx'],
      ['/sign-in', 'form.stack', 'Token'],
      ['/t/acme/web/v/2.0.0/launch', 'form.launch', 'An SSH key'],
    ];
    for (const [url, selector, text] of pages) {
      await p.goto(`${server.url}${url}`);
      expect([url, await p.locator(selector).first().textContent()]).toEqual([url, expect.stringContaining(text)]);
    }
    // the search works as a plain GET form
    await p.goto(`${server.url}/`);
    await p.locator('#q').fill('postgres');
    await p.locator('#q').press('Enter');
    await p.waitForURL(/q=postgres/);
    expect(await results(p)).toEqual(['acme/db']);
    await p.screenshot({ path: path.join(SHOTS, 'catalog-no-js.png'), fullPage: true }); // axe needs scripts: it ran on these pages above
    // the launch form without JS: the server checks, and answers the problems
    await p.goto(`${server.url}/t/acme/web/v/2.0.0/launch`);
    await p.locator('#p-port').fill('eighty');
    await p.locator('form.launch button[type=submit]').click();
    expect(await p.locator('#p-port-problems').textContent()).toContain('is not a number');
    expect(await p.locator('#p-key_name-problems').textContent()).toContain('A value is required.');
    await p.screenshot({ path: path.join(SHOTS, 'launch-no-js-problems.png'), fullPage: true });
  } finally {
    await plain.close();
  }
});
