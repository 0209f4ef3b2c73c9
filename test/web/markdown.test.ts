// README rendering: Markdown to HTML, sanitised, relative links kept inside the version.
import { renderMarkdown } from '../../src/web/markdown';

const links = { page: (p: string) => `/page/${p}`, raw: (p: string) => `/raw/${p}` };

test.each([
  ['<script>alert(1)</script>', '<script'],
  ['<img src=x onerror="alert(1)">', 'onerror'],
  ['<a href="javascript:alert(1)">x</a>', 'javascript:'],
  ['[x](javascript:alert(1))', 'href="javascript:'],
  ['<a href="#" style="color:red">x</a>', 'style='],
  ['<iframe src="https://example.com"></iframe>', '<iframe'],
])('%s is removed', (md, bad) => {
  expect(renderMarkdown(md, 'README.md', links)).not.toContain(bad);
});

test('headings sit under the page\'s own, links are relative to the README, images to raw files', () => {
  const html = renderMarkdown('# Title\n\n[install](scripts/install.sh) [up](../x) [web](https://example.com)\n\n![logo](img/logo.png)\n', 'docs/README.md', links);
  expect(html).toContain('<h3>Title</h3>');
  expect(html).toContain('href="/page/docs/scripts/install.sh"');
  expect(html).toContain('href="/page/x"');
  expect(html).toContain('href="https://example.com" rel="nofollow noreferrer"');
  expect(html).toContain('src="/raw/docs/img/logo.png"');
});

test('a link that leaves the template root goes nowhere', () => {
  expect(renderMarkdown('[out](../../etc/passwd)', 'README.md', links)).toContain('<a rel="nofollow noreferrer">out</a>');
});
