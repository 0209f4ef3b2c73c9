// Highlighting by line: spans closed at each line end and reopened, text escaped, plain text for unknown types.
import { highlightLines, languageOf } from '../../src/web/highlight';

test('a YAML block scalar keeps its span on every line, each line balanced', () => {
  const lines = highlightLines('a: |\n  one\n  two\nb: <x>', 'template.yaml');
  expect(lines).toHaveLength(4);
  for (const l of lines) expect((l.match(/<span/g) ?? []).length).toBe((l.match(/<\/span>/g) ?? []).length);
  expect(lines[0]).toContain('<span class="hljs-attr">a:</span>');
  expect(lines[3]).toContain('&lt;x&gt;');
});

test.each([
  ['template.yaml', 'yaml'], ['x.yml', 'yaml'], ['scripts/install.sh', 'bash'], ['a.json', 'json'], ['Makefile', null], ['a.bin', null],
])('languageOf(%s) = %s', (path, lang) => {
  expect(languageOf(path)).toBe(lang);
});

test('plain text is escaped and split', () => {
  expect(highlightLines('<b>\n&', 'notes')).toEqual(['&lt;b&gt;', '&amp;']);
});
