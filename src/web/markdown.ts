// README rendering: Markdown by markdown-it, then sanitised by sanitize-html, with relative links kept inside the version.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt({ html: true, linkify: true, typographer: false });

/** Where a relative link or image of the README points: the version's file page, or its raw file. */
export interface ReadmeLinks {
  /** The page of a file of the version (a path relative to the template root). */
  page(filePath: string): string;
  /** The raw bytes of a file of the version (for images). */
  raw(filePath: string): string;
}

const ABSOLUTE = /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i;

/** `target` relative to the README's folder, or null when it leaves the template root. */
function within(base: string, target: string): string | null {
  const out = base === '' ? [] : base.split('/');
  for (const part of target.split(/[?#]/)[0]?.split('/') ?? []) {
    if (part === '' || part === '.') continue;
    if (part === '..') { if (out.length === 0) return null; out.pop(); } else out.push(decodeURIComponent(part));
  }
  return out.length > 0 ? out.join('/') : null;
}

/**
 * The HTML of a README: only the tags and attributes of sanitize-html's defaults plus images
 * (http(s) and relative sources; the page's CSP decides what loads), links opened without
 * referrer, relative links to files of the same version. Throws nothing.
 */
export function renderMarkdown(text: string, readmePath: string, links: ReadmeLinks): string {
  const folder = readmePath.includes('/') ? readmePath.slice(0, readmePath.lastIndexOf('/')) : '';
  const relative = (v: string, to: (p: string) => string) => {
    if (ABSOLUTE.test(v)) return v;
    try { const p = within(folder, v); return p === null ? '' : to(p); } catch { return ''; }
  };
  return sanitizeHtml(md.render(text), {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'h1', 'h2'],
    allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title', 'width', 'height'], code: ['class'], th: ['align'], td: ['align'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    transformTags: {
      a: (tag, attribs) => ({ tagName: tag, attribs: { ...attribs, href: relative(attribs.href ?? '', links.page), rel: 'nofollow noreferrer' } }),
      img: (tag, attribs) => ({ tagName: tag, attribs: { ...attribs, src: relative(attribs.src ?? '', links.raw) } }),
      // a README's top heading sits below the page's own h1
      h1: 'h3', h2: 'h4', h3: 'h5', h4: 'h6',
    },
  });
}
