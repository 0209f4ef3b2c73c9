// The template page (`/t/:ns/:name`, `/t/:ns/:name/v/:ref`): README, versions, labels, changelog, uses, clone and launch lines.
import type { ChangelogEntry } from '../catalog/catalog-store';
import type { TemplateUse } from '../catalog/template-uses';
import type { ResolvedUse } from '../catalog/use-resolver';
import type { TreeFile } from '../git/objects';
import type { TemplateDetail, VersionInfo } from '../registry/registry';
import type { VersionFacts } from '../registry/version-facts';
import type { VersionMark } from '../registry/versions';
import { CsrfField, renderPage, Time, type PageContext } from './layout';

/** The version a page shows: what was asked and what it resolved to. */
export interface SelectedVersion {
  readonly requested: string;
  readonly resolvedBy: string;
  readonly version: string | null;
  readonly commit: string;
  readonly deprecated: VersionMark | null;
  readonly yanked: VersionMark | null;
}

/** A dependent use, as the page lists it. */
export interface DependentRow {
  readonly template: string;
  readonly version: string;
  readonly isLatest: boolean;
  readonly ref: string;
  readonly resolvesTo: string | null;
  readonly admitsLatest: boolean;
}

export interface TemplateView {
  readonly detail: TemplateDetail;
  readonly cloneUrl: string;
  readonly versions: readonly VersionInfo[];
  readonly selected: SelectedVersion;
  readonly facts: VersionFacts;
  readonly files: readonly TreeFile[];
  /** Sanitised HTML of the README, or null when the version has none. */
  readonly readme: string | null;
  /** The highest versions' changelog entries; `changelogTotal` counts them all. */
  readonly changelog: readonly ChangelogEntry[];
  readonly changelogTotal: number;
  readonly dependencies: readonly (TemplateUse & ResolvedUse)[];
  readonly dependents: readonly DependentRow[];
  /** The entrypoint's URL at this version (what Heat is given). */
  readonly templateUrl: string;
  /** The namespace is private: Heat needs a read link. */
  readonly isPrivate: boolean;
  /** The signed-in token may make read links for this template. */
  readonly mayShare: boolean;
  /** The resources drawn as an SVG (escaped by its renderer), or null when there are none. */
  readonly graph: string | null;
  /** A read link made by the POST this page answers. */
  readonly link: { readonly url: string; readonly expires: string } | null;
}

/** The path of a template's pages at a ref. */
export function versionPath(id: string, ref: string): string {
  return `/t/${id}/v/${encodeURIComponent(ref)}`;
}

/** The path of a file's page at a ref. */
export function filePath(id: string, ref: string, file: string): string {
  return `${versionPath(id, ref)}/files/${encodePath(file)}`;
}

/** Where a version's raw files and archives are downloaded from. */
export interface Downloads {
  raw(file: string): string;
  archive(format: 'tar.gz' | 'zip'): string;
}

const encodePath = (file: string) => file.split('/').map(encodeURIComponent).join('/');

/**
 * The REST API's file and archive URLs for a public template; for a private one the pages' own
 * (`…/v/{ref}/raw/{path}`, `…/v/{ref}/archive.tar.gz`), which the session cookie opens: the API
 * takes tokens, not cookies.
 */
export function downloadsOf(id: string, ref: string, isPrivate: boolean): Downloads {
  const base = isPrivate ? versionPath(id, ref) : `/api/v1/templates/${id}/versions/${encodeURIComponent(ref)}`;
  return { raw: (file) => `${base}/${isPrivate ? 'raw' : 'files'}/${encodePath(file)}`, archive: (format) => `${base}/archive.${format}` };
}

/** The shell-quoted form of a word when it needs quotes. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A line of text with a button that copies it (with JS); the text stays selectable without. */
export function CopyLine({ id, label, text }: { id: string; label: string; text: string }) {
  return (
    <div class="copy">
      <label for={id}>{label}</label>
      <div class="row">
        <input id={id} type="text" readOnly value={text} class="mono" />
        <button type="button" class="copy-button" data-copy={id} hidden>Copy</button>
      </div>
    </div>
  );
}

function Marks({ deprecated, yanked }: { deprecated: VersionMark | null; yanked: VersionMark | null }) {
  return (
    <>
      {deprecated ? <span class="badge warn" title={deprecated.message}>deprecated</span> : null}
      {yanked ? <span class="badge bad" title={yanked.message}>yanked</span> : null}
    </>
  );
}

function VersionsTable({ v }: { v: TemplateView }) {
  const id = v.detail.id;
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Versions</h2>
      {v.versions.length === 0 ? <p>No version is published yet.</p> : (
        <div class="scroll">
          <table>
            <thead><tr><th scope="col">Version</th><th scope="col">Date</th><th scope="col">Author</th><th scope="col">Message</th><th scope="col">State</th></tr></thead>
            <tbody>
              {v.versions.map((x) => (
                <tr class={x.version === v.selected.version ? 'current' : undefined}>
                  <th scope="row"><a href={versionPath(id, x.version)} aria-current={x.version === v.selected.version ? 'page' : undefined}>{x.version}</a></th>
                  <td><Time iso={x.created} /></td>
                  <td>{x.author}</td>
                  <td>{x.message}</td>
                  <td>
                    <Marks deprecated={x.deprecated} yanked={x.yanked} />
                    {x.deprecated ? <div class="small">{x.deprecated.message}</div> : null}
                    {x.yanked ? <div class="small">{x.yanked.message}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Changelog({ v }: { v: TemplateView }) {
  return (
    <section aria-labelledby="changelog">
      <h2 id="changelog">Changelog</h2>
      {v.changelogTotal > v.changelog.length ? <p class="small">The {v.changelog.length} highest of {v.changelogTotal} versions.</p> : null}
      {v.changelog.length === 0 ? <p>Nothing yet.</p> : (
        <ol class="changelog">
          {v.changelog.map((c) => (
            <li>
              <h3>
                <a href={versionPath(v.detail.id, c.version)}>{c.version}</a>{' '}
                <span class={`badge bump-${c.compat.required}`}>{c.compat.required === 'none' ? 'no Heat changes' : `${c.compat.required} changes`}</span>
                {c.compat.breaking ? <span class="badge bad">breaking</span> : null}
                <Marks deprecated={c.deprecated} yanked={c.yanked} />
              </h3>
              <p class="meta"><Time iso={c.date} /> · {c.author} · {c.message}{c.previous === null ? '' : ` · since ${c.previous}`}</p>
              {c.compat.changes.length === 0 ? null : (
                <ul>
                  {c.compat.changes.map((ch) => (
                    <li class={ch.breaking ? 'breaking' : undefined}>{ch.breaking ? <strong>Breaking: </strong> : null}{ch.detail} <span class="muted">({ch.file})</span></li>
                  ))}
                </ul>
              )}
              {c.previous === null ? null : <p><a href={`/t/${v.detail.id}/diff?from=${encodeURIComponent(c.previous)}&to=${encodeURIComponent(c.version)}`}>Diff {c.previous} → {c.version}</a></p>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Uses({ v }: { v: TemplateView }) {
  const link = (t: string) => <a href={`/t/${t}`}>{t}</a>;
  return (
    <section aria-labelledby="uses">
      <h2 id="uses">Dependencies and dependents</h2>
      <h3>This version uses</h3>
      {v.dependencies.length === 0 ? <p>No other Heater template.</p> : (
        <ul>{v.dependencies.map((d) => <li>{link(d.template)} at <code>{d.ref}</code> ({d.via}, {d.file}: {d.name}){d.resolvesTo === null ? '' : ` → ${d.resolvesTo}`}</li>)}</ul>
      )}
      <h3>Used by</h3>
      {v.dependents.length === 0 ? <p>No template uses this one.</p> : (
        <ul>{v.dependents.map((d) => <li>{link(d.template)} {d.version}{d.isLatest ? ' (its latest)' : ''} at <code>{d.ref}</code>{d.resolvesTo === null ? '' : ` → ${d.resolvesTo}`}{d.admitsLatest ? '' : <span class="badge warn">not on latest</span>}</li>)}</ul>
      )}
    </section>
  );
}

function Share({ ctx, v }: { ctx: PageContext; v: TemplateView }) {
  if (!v.mayShare || v.selected.version === null) return null;
  return (
    <section aria-labelledby="share">
      <h2 id="share">Read link for Heat</h2>
      <p>Heat cannot send a token: give it an expiring read link to version {v.selected.version}.</p>
      <form method="post" action={`/t/${v.detail.id}/links`}>
        <CsrfField ctx={ctx} />
        <input type="hidden" name="version" value={v.selected.version} />
        <label for="expires">Expires after</label>{' '}
        <select id="expires" name="expires">
          <option value="1h">1 hour</option>
          <option value="24h" selected>24 hours</option>
          <option value="7d">7 days</option>
        </select>{' '}
        <button type="submit">Make a read link</button>
      </form>
      {v.link === null ? null : (
        <div class="notice" role="status">
          <CopyLine id="read-link" label={`Read link (expires ${v.link.expires})`} text={v.link.url} />
          <CopyLine id="read-link-command" label="Create a stack from it" text={`openstack stack create -t ${shellWord(v.link.url)} ${shellWord(v.detail.name)}`} />
        </div>
      )}
    </section>
  );
}

/** The template page at the selected version. */
export function renderTemplatePage(ctx: PageContext, v: TemplateView): string {
  const { detail: d, selected: s, facts } = v;
  const ref = s.version ?? s.commit;
  const manifest = facts.manifest;
  return renderPage(ctx, {
    title: s.version === null ? d.id : `${d.id} ${s.version}`,
    children: (
      <>
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/">Templates</a> / <a href={`/?namespace=${encodeURIComponent(d.namespace)}`}>{d.namespace}</a> / {d.name}</nav>
        <h1>{d.id} {s.version === null ? null : <span class="version">{s.version}</span>}</h1>
        {v.isPrivate ? <p><span class="badge">private</span></p> : null}
        <p class="lead">{d.description}</p>
        {s.yanked ? <p class="notice bad" role="note"><strong>Yanked:</strong> {s.yanked.message}</p> : null}
        {s.deprecated ? <p class="notice warn" role="note"><strong>Deprecated:</strong> {s.deprecated.message}</p> : null}
        <div class="columns">
          <div class="primary">
            <nav class="tabs" aria-label="This version">
              <a href={`${versionPath(d.id, ref)}/files`}>Files ({v.files.length})</a>
              {facts.interface ? <a href={`${versionPath(d.id, ref)}/launch`}>Launch form</a> : null}
              <a href={downloadsOf(d.id, ref, v.isPrivate).archive('tar.gz')}>Download .tar.gz</a>
              <a href={downloadsOf(d.id, ref, v.isPrivate).archive('zip')}>Download .zip</a>
            </nav>
            <section aria-labelledby="readme">
              <h2 id="readme">README</h2>
              {v.readme === null ? <p class="muted">This version has no README.</p> : <div class="markdown" dangerouslySetInnerHTML={{ __html: v.readme }} />}
            </section>
            {v.graph === null ? null : (
              <section aria-labelledby="graph">
                <h2 id="graph">Resources</h2>
                <p class="small">Arrows point from a resource to what it needs (dashed: depends_on). Nested templates link to their pages.</p>
                <div class="graph scroll" dangerouslySetInnerHTML={{ __html: v.graph }} />
              </section>
            )}
            <VersionsTable v={v} />
            <Changelog v={v} />
            <Uses v={v} />
          </div>
          <aside class="secondary" aria-label="About this template">
            <section aria-labelledby="use">
              <h2 id="use">Use it</h2>
              <CopyLine id="clone" label="Clone" text={`git clone ${v.cloneUrl}`} />
              <CopyLine id="stack-create" label="Create a stack" text={`openstack stack create -t ${shellWord(v.templateUrl)} ${shellWord(d.name)}`} />
              {v.isPrivate ? <p class="small">This template is private: Heat needs a read link (below) instead of this URL.</p> : null}
            </section>
            <section aria-labelledby="labels">
              <h2 id="labels">Labels</h2>
              {d.labels.length === 0 ? <p class="muted">None</p> : <ul>{d.labels.map((l) => <li><a href={versionPath(d.id, l.name)}>{l.name}</a>{l.version === null ? ` → ${l.commit.slice(0, 12)}` : ` → ${l.version}`}</li>)}</ul>}
            </section>
            <section aria-labelledby="about">
              <h2 id="about">About</h2>
              <dl>
                <dt>Entrypoint</dt><dd><a href={filePath(d.id, ref, facts.entrypoint)}>{facts.entrypoint}</a></dd>
                {facts.interface ? <><dt>Heat version</dt><dd>{facts.interface.heatTemplateVersion}</dd></> : null}
                {manifest?.license ? <><dt>Licence</dt><dd>{manifest.license}</dd></> : null}
                {manifest?.homepage ? <><dt>Homepage</dt><dd><a href={manifest.homepage} rel="nofollow noreferrer">{manifest.homepage}</a></dd></> : null}
                {manifest && manifest.authors.length > 0 ? <><dt>Authors</dt><dd>{manifest.authors.map((a) => a.name).join(', ')}</dd></> : null}
                <dt>Commit</dt><dd class="mono">{s.commit.slice(0, 12)}</dd>
                <dt>Updated</dt><dd><Time iso={d.updated} /></dd>
              </dl>
              {manifest && manifest.keywords.length > 0 ? <p class="keywords">{manifest.keywords.map((k) => <a class="kw" href={`/?keyword=${encodeURIComponent(k)}`}>{k}</a>)}</p> : null}
            </section>
            {v.versions.length > 1 ? (
              <section aria-labelledby="compare">
                <h2 id="compare">Compare versions</h2>
                <form method="get" action={`/t/${d.id}/diff`} class="stack">
                  <label for="from">From</label>
                  <select id="from" name="from">{v.versions.map((x, i) => <option value={x.version} selected={i === 1}>{x.version}</option>)}</select>
                  <label for="to">To</label>
                  <select id="to" name="to">{v.versions.map((x, i) => <option value={x.version} selected={i === 0}>{x.version}</option>)}</select>
                  <button type="submit">Show the diff</button>
                </form>
              </section>
            ) : null}
            <Share ctx={ctx} v={v} />
          </aside>
        </div>
      </>
    ),
  });
}

/** The page of a template that has no version yet: how to publish one. */
export function renderUnreleasedPage(ctx: PageContext, d: TemplateDetail, cloneUrl: string): string {
  return renderPage(ctx, {
    title: d.id,
    children: (
      <>
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/">Templates</a> / <a href={`/?namespace=${encodeURIComponent(d.namespace)}`}>{d.namespace}</a> / {d.name}</nav>
        <h1>{d.id}</h1>
        <p class="lead">{d.description}</p>
        <p>No version is published yet. Push a version tag to it, or publish one over the REST API.</p>
        <CopyLine id="clone" label="Clone" text={`git clone ${cloneUrl}`} />
      </>
    ),
  });
}
