// The web catalog's static assets (CSS, JS, highlight and diff themes), each under a content-hashed URL served by Heater.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';

/** One asset: where it is served, its bytes and type. */
export interface Asset {
  /** `/assets/<name>.<hash>.<ext>`: the URL changes when the bytes do, so it may be cached for good. */
  readonly url: string;
  readonly body: Buffer;
  readonly type: string;
}

/** The assets pages link to, by role. */
export interface AssetTable {
  readonly css: Asset;
  readonly js: Asset;
  /** highlight.js's GitHub themes, the dark one under prefers-color-scheme: dark. */
  readonly highlight: Asset;
  /** diff2html's own stylesheet. */
  readonly diff: Asset;
  /** The launch form's checks (checkValue, the server's own) bundled for the browser. */
  readonly launch: Asset;
}

const own = (file: string) => readFileSync(path.join(__dirname, 'assets', file));
const dep = (id: string) => readFileSync(require.resolve(id));

function asset(name: string, ext: 'css' | 'js', body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { url: `/assets/${name}.${hash}.${ext}`, body, type: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' };
}

/** launch-client and what it imports (value-check, python-regex, python-values: no Node imports) as one browser script, by esbuild. */
function launchScript(): Buffer {
  const out = buildSync({ entryPoints: [require.resolve('./launch-client')], bundle: true, format: 'iife', platform: 'browser', target: 'es2020', minify: true, legalComments: 'none', write: false, logLevel: 'silent' });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild made no launch script');
  return Buffer.from(file.contents);
}

let launch: Asset | undefined;

/**
 * Reads every asset (at start-up); throws when a file is missing, so a broken install does not
 * start. The launch script is bundled when a page first names it, once per process: esbuild
 * costs a few hundred milliseconds of CPU that a server showing no launch form never needs.
 */
export function loadAssets(): AssetTable {
  const highlight = Buffer.concat([
    dep('highlight.js/styles/github.css'),
    Buffer.from('\n@media (prefers-color-scheme: dark) {\n'),
    dep('highlight.js/styles/github-dark.css'),
    Buffer.from('\n}\n'),
  ]);
  return {
    css: asset('heater', 'css', own('heater.css')),
    js: asset('heater', 'js', own('heater.js')),
    highlight: asset('highlight', 'css', highlight),
    diff: asset('diff2html', 'css', dep('diff2html/bundles/css/diff2html.min.css')),
    get launch(): Asset {
      launch ??= asset('launch', 'js', launchScript());
      return launch;
    },
  };
}
