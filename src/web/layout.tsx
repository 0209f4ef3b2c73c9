// The frame of every page: head with hashed assets, a header with search and sign-in, a main landmark; rendered to a string.
import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { AssetTable } from './assets';

/** What every page knows about the request: assets, who is signed in, the session's CSRF token. */
export interface PageContext {
  readonly assets: AssetTable;
  /** The signed-in token's name, or null. */
  readonly user: string | null;
  /** The session's CSRF token for POST forms (null when signed out). */
  readonly csrf: string | null;
  /** The path and query of this page, to come back to after signing in. */
  readonly here: string;
}

export interface PageOptions {
  readonly title: string;
  /** Extra stylesheets: the highlight theme on file pages, diff2html's on the diff page. */
  readonly styles?: readonly ('highlight' | 'diff')[];
  /** Extra scripts: the launch form's checks. */
  readonly scripts?: readonly 'launch'[];
  readonly children: ComponentChildren;
}

/** A hidden field carrying the session's CSRF token: every POST form has one. */
export function CsrfField({ ctx }: { ctx: PageContext }) {
  return ctx.csrf === null ? null : <input type="hidden" name="csrf" value={ctx.csrf} />;
}

function Header({ ctx }: { ctx: PageContext }) {
  return (
    <header class="site">
      <a class="skip" href="#main">Skip to content</a>
      <a class="brand" href="/">Heater</a>
      <form class="site-search" role="search" method="get" action="/">
        <label for="site-q" class="visually-hidden">Search templates</label>
        <input id="site-q" type="search" name="q" placeholder="Search templates" maxLength={256} />
      </form>
      <nav aria-label="Account" class="account">
        {ctx.user === null
          ? <a href={`/sign-in?next=${encodeURIComponent(ctx.here)}`}>Sign in</a>
          : (
            <form method="post" action="/sign-out" class="inline">
              <span>Signed in as <strong>{ctx.user}</strong></span>{' '}
              <CsrfField ctx={ctx} />
              <button type="submit" class="link">Sign out</button>
            </form>
          )}
      </nav>
    </header>
  );
}

/** The whole HTML document of a page, `<!doctype html>` first. */
export function renderPage(ctx: PageContext, { title, styles = [], scripts = [], children }: PageOptions): string {
  const doc = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${title} · Heater`}</title>
        <link rel="stylesheet" href={ctx.assets.css.url} />
        {styles.map((s) => <link rel="stylesheet" href={ctx.assets[s].url} />)}
        <script src={ctx.assets.js.url} defer />
        {scripts.map((s) => <script src={ctx.assets[s].url} defer />)}
      </head>
      <body>
        <Header ctx={ctx} />
        <main id="main" tabIndex={-1}>{children}</main>
        <footer class="site">Heater template registry · <a href="/api/v1/templates">REST API</a></footer>
      </body>
    </html>
  );
  return `<!doctype html>\n${renderToString(doc)}`;
}

/** A date as a `<time>` element, shown as YYYY-MM-DD HH:MM UTC. */
export function Time({ iso }: { iso: string }) {
  const shown = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
  return <time datetime={iso}>{shown}</time>;
}

/** An error page: the status as the heading, the sentence that says why. */
export function renderErrorPage(ctx: PageContext, status: number, title: string, detail: string): string {
  return renderPage(ctx, {
    title,
    children: (
      <section class="error">
        <h1>{status} {title}</h1>
        <p>{detail}</p>
        <p><a href="/">Back to the catalog</a></p>
      </section>
    ),
  });
}
