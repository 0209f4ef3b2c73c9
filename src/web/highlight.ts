// Server-side syntax highlighting by highlight.js, split into lines so that each line gets its own anchor.
import hljs from 'highlight.js/lib/core';
import yaml from 'highlight.js/lib/languages/yaml';
import bash from 'highlight.js/lib/languages/bash';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import markdown from 'highlight.js/lib/languages/markdown';
import ini from 'highlight.js/lib/languages/ini';
import xml from 'highlight.js/lib/languages/xml';
import powershell from 'highlight.js/lib/languages/powershell';

for (const [name, lang] of Object.entries({ yaml, bash, json, python, markdown, ini, xml, powershell })) hljs.registerLanguage(name, lang);

const BY_EXTENSION: Readonly<Record<string, string>> = {
  yaml: 'yaml', yml: 'yaml', sh: 'bash', bash: 'bash', json: 'json', py: 'python', md: 'markdown',
  ini: 'ini', cfg: 'ini', conf: 'ini', env: 'bash', xml: 'xml', svg: 'xml', ps1: 'powershell',
};

// Larger files are shown without colours: highlighting costs about 1 s per few MiB of YAML.
const MAX_HIGHLIGHT_BYTES = 512 * 1024;

/** The language highlight.js uses for a path, by extension, or null (plain text). */
export function languageOf(filePath: string): string | null {
  const ext = filePath.slice(filePath.lastIndexOf('.') + 1).toLowerCase();
  return filePath.includes('.') ? BY_EXTENSION[ext] ?? null : null;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The file as HTML lines: highlighted spans, closed at each line's end and reopened on the next
 * (a block scalar spans lines), so each line is well-formed on its own. Throws nothing.
 */
export function highlightLines(text: string, filePath: string): string[] {
  const lang = languageOf(filePath);
  const html = lang && text.length <= MAX_HIGHLIGHT_BYTES ? hljs.highlight(text, { language: lang, ignoreIllegals: true }).value : escape(text);
  const lines: string[] = [];
  const open: string[] = [];
  let current = '';
  for (const piece of html.split(/(<span[^>]*>|<\/span>|\n)/)) {
    if (piece === '\n') {
      lines.push(current + '</span>'.repeat(open.length));
      current = open.join('');
    } else if (piece.startsWith('<span')) {
      open.push(piece); current += piece;
    } else if (piece === '</span>') {
      open.pop(); current += piece;
    } else current += piece;
  }
  if (current !== open.join('') || lines.length === 0) lines.push(current + '</span>'.repeat(open.length));
  return lines;
}
