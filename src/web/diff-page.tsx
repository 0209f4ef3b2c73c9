// The diff view (`/t/:ns/:name/diff?from=&to=&view=`): the Heat summary, breaking changes first, then git's patch by diff2html.
import type { Compat } from '../diff/compat';
import { renderPage, type PageContext } from './layout';
import { versionPath } from './template-page';

export type DiffLayout = 'unified' | 'split';

export interface DiffView {
  readonly id: string;
  readonly from: { readonly requested: string; readonly version: string | null; readonly commit: string };
  readonly to: { readonly requested: string; readonly version: string | null; readonly commit: string };
  readonly layout: DiffLayout;
  readonly summary: Compat;
  /** diff2html's HTML of the patch (it escapes the file contents). */
  readonly html: string;
  readonly fileCount: number;
  /** Every version, highest first, for the pickers. */
  readonly versions: readonly string[];
}

const label = (s: DiffView['from']) => s.version ?? s.commit.slice(0, 12);

/** The URL of a diff. */
export function diffUrl(id: string, from: string, to: string, layout: DiffLayout): string {
  return `/t/${id}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${layout === 'split' ? '&view=split' : ''}`;
}

function Pickers({ v }: { v: DiffView }) {
  const options = (selected: string) => {
    const list = v.versions.includes(selected) ? v.versions : [selected, ...v.versions];
    return list.map((x) => <option value={x} selected={x === selected}>{x}</option>);
  };
  return (
    <form method="get" action={`/t/${v.id}/diff`} class="row pickers">
      <label for="from">From</label>
      <select id="from" name="from">{options(v.from.requested)}</select>
      <label for="to">to</label>
      <select id="to" name="to">{options(v.to.requested)}</select>
      <label for="view">View</label>
      <select id="view" name="view">
        <option value="unified" selected={v.layout === 'unified'}>Unified</option>
        <option value="split" selected={v.layout === 'split'}>Side by side</option>
      </select>
      <button type="submit">Compare</button>
    </form>
  );
}

/** The diff page. */
export function renderDiffPage(ctx: PageContext, v: DiffView): string {
  // the summary lists breaking changes first, whatever order the files came in
  const changes = [...v.summary.changes].sort((a, b) => Number(b.breaking) - Number(a.breaking));
  return renderPage(ctx, {
    title: `${v.id} ${label(v.from)} → ${label(v.to)}`,
    styles: ['diff'],
    children: (
      <>
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/">Templates</a> / <a href={`/t/${v.id}`}>{v.id}</a> / diff</nav>
        <h1>{v.id}: <a href={versionPath(v.id, v.from.requested)}>{label(v.from)}</a> → <a href={versionPath(v.id, v.to.requested)}>{label(v.to)}</a></h1>
        <Pickers v={v} />
        <nav class="tabs" aria-label="Layout">
          <a href={diffUrl(v.id, v.from.requested, v.to.requested, 'unified')} aria-current={v.layout === 'unified' ? 'page' : undefined}>Unified</a>
          <a href={diffUrl(v.id, v.from.requested, v.to.requested, 'split')} aria-current={v.layout === 'split' ? 'page' : undefined}>Side by side</a>
          <a href={`/api/v1/templates/${v.id}/diff?from=${encodeURIComponent(v.from.requested)}&to=${encodeURIComponent(v.to.requested)}&format=patch`}>Raw patch</a>
        </nav>
        <section aria-labelledby="summary" class="summary">
          <h2 id="summary">What the upgrade changes for Heat</h2>
          <p>
            {v.summary.breaking ? <span class="badge bad">breaking</span> : null}{' '}
            {v.summary.required === 'none' ? 'No change to parameters, resources or outputs.' : `These changes need a ${v.summary.required} version step.`}
          </p>
          {changes.length === 0 ? null : (
            <ul>
              {changes.map((c) => (
                <li class={c.breaking ? 'breaking' : undefined}>
                  <span class={`badge bump-${c.bump}`}>{c.breaking ? 'breaking' : c.bump}</span> {c.detail} <span class="muted">({c.file})</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="patch">
          <h2 id="patch">Files ({v.fileCount} changed)</h2>
          {v.fileCount === 0 ? <p>The two sides have the same files.</p> : <div class="diff" dangerouslySetInnerHTML={{ __html: v.html }} />}
        </section>
      </>
    ),
  });
}
