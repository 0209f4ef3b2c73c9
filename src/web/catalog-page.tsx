// The catalog page (`/`): search box, facets with counts, sort, results and keyset pages; every state is a URL.
import type { CatalogEntry, Facets } from '../catalog/catalog-store';
import { renderPage, Time, type PageContext } from './layout';

/** The catalog's state as the URL holds it (only what the page sets; the route validated it). */
export interface CatalogState {
  readonly q: string;
  readonly keyword: readonly string[];
  readonly namespace: string | null;
  readonly license: string | null;
  readonly resource_type: readonly string[];
  readonly parameter: readonly string[];
  readonly deprecated: 'true' | 'false' | null;
  readonly sort: string | null;
  readonly order: string | null;
  readonly limit: string | null;
  readonly cursor: string | null;
}

export interface CatalogView {
  readonly state: CatalogState;
  readonly items: readonly CatalogEntry[];
  readonly total: number;
  readonly nextCursor: string | null;
  readonly facets: Facets;
  /** The URL of an entry's icon, or null to draw its initial. */
  readonly iconOf: (e: CatalogEntry) => string | null;
}

/** The URL of a catalog state; a new filter or order starts again at the first page. */
export function catalogUrl(s: CatalogState): string {
  const p = new URLSearchParams();
  if (s.q !== '') p.set('q', s.q);
  for (const k of s.keyword) p.append('keyword', k);
  if (s.namespace !== null) p.set('namespace', s.namespace);
  if (s.license !== null) p.set('license', s.license);
  for (const t of s.resource_type) p.append('resource_type', t);
  for (const t of s.parameter) p.append('parameter', t);
  if (s.deprecated !== null) p.set('deprecated', s.deprecated);
  if (s.sort !== null) p.set('sort', s.sort);
  if (s.order !== null) p.set('order', s.order);
  if (s.limit !== null) p.set('limit', s.limit);
  if (s.cursor !== null) p.set('cursor', s.cursor);
  const qs = p.toString();
  return qs === '' ? '/' : `/?${qs}`;
}

const toggle = (list: readonly string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

/** The page of a catalog state with one filter turned on or off (back to the first page). */
function withFacet(s: CatalogState, facet: keyof Facets, value: string): CatalogState {
  const base = { ...s, cursor: null };
  if (facet === 'keywords') return { ...base, keyword: toggle(s.keyword, value) };
  if (facet === 'resource_types') return { ...base, resource_type: toggle(s.resource_type, value) };
  if (facet === 'namespaces') return { ...base, namespace: s.namespace === value ? null : value };
  return { ...base, license: s.license === value ? null : value };
}

function isOn(s: CatalogState, facet: keyof Facets, value: string): boolean {
  if (facet === 'keywords') return s.keyword.includes(value);
  if (facet === 'resource_types') return s.resource_type.includes(value);
  if (facet === 'licenses') return s.license === value;
  return facet === 'namespaces' && s.namespace === value;
}

const FACET_TITLES: readonly [keyof Facets, string][] = [['keywords', 'Keywords'], ['namespaces', 'Namespaces'], ['resource_types', 'Resource types'], ['licenses', 'Licences']];

function FacetList({ view, facet, title }: { view: CatalogView; facet: keyof Facets; title: string }) {
  const values = view.facets[facet] ?? [];
  const id = `facet-${facet}`;
  return (
    <section class="facet" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {values.length === 0 ? <p class="muted">None</p> : (
        <ul>
          {values.map(({ value, count }) => (
            <li>
              <a href={catalogUrl(withFacet(view.state, facet, value))} aria-current={isOn(view.state, facet, value) ? 'true' : undefined} class={isOn(view.state, facet, value) ? 'on' : undefined}>
                {value} <span class="count" aria-label={`${count} templates`}>{count}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ActiveFilters({ s }: { s: CatalogState }) {
  const chips: { label: string; href: string }[] = [
    ...s.keyword.map((k) => ({ label: `keyword: ${k}`, href: catalogUrl({ ...s, cursor: null, keyword: s.keyword.filter((x) => x !== k) }) })),
    ...(s.namespace === null ? [] : [{ label: `namespace: ${s.namespace}`, href: catalogUrl({ ...s, cursor: null, namespace: null }) }]),
    ...(s.license === null ? [] : [{ label: `licence: ${s.license}`, href: catalogUrl({ ...s, cursor: null, license: null }) }]),
    ...s.resource_type.map((t) => ({ label: `resource type: ${t}`, href: catalogUrl({ ...s, cursor: null, resource_type: s.resource_type.filter((x) => x !== t) }) })),
    ...s.parameter.map((t) => ({ label: `parameter: ${t}`, href: catalogUrl({ ...s, cursor: null, parameter: s.parameter.filter((x) => x !== t) }) })),
    ...(s.deprecated === null ? [] : [{ label: `deprecated: ${s.deprecated}`, href: catalogUrl({ ...s, cursor: null, deprecated: null }) }]),
  ];
  if (chips.length === 0) return null;
  return (
    <ul class="chips" aria-label="Active filters">
      {chips.map((c) => <li><a href={c.href} aria-label={`Remove filter ${c.label}`}>{c.label} <span aria-hidden="true">×</span></a></li>)}
    </ul>
  );
}

function Result({ e, icon }: { e: CatalogEntry; icon: string | null }) {
  return (
    <li class="result">
      {icon === null
        ? <span class="icon initial" aria-hidden="true">{e.name.slice(0, 1).toUpperCase()}</span>
        : <img class="icon" src={icon} alt="" width={40} height={40} />}
      <div>
        <h3><a href={`/t/${e.id}`}>{e.id}</a></h3>
        <p>{e.description === '' ? <span class="muted">No description</span> : e.description}</p>
        <p class="meta">
          {e.latestVersion === null ? <span>no release yet</span> : <span>latest <strong>{e.latestVersion}</strong></span>}
          {e.deprecated ? <span class="badge warn">deprecated</span> : null}
          {e.labels.map((l) => <span class="badge">{l.name}{l.version === null ? '' : ` → ${l.version}`}</span>)}
          <span>updated <Time iso={e.updated} /></span>
          {e.license === null ? null : <span>{e.license}</span>}
        </p>
        {e.keywords.length > 0 ? <p class="keywords">{e.keywords.map((k) => <span class="kw">{k}</span>)}</p> : null}
      </div>
    </li>
  );
}

const SORTS: readonly [string, string][] = [['', 'Best match / name'], ['name', 'Name'], ['updated', 'Recently updated'], ['created', 'Recently created'], ['versions', 'Most versions'], ['relevance', 'Relevance']];

/** The search form; hidden fields keep the active filters, so a new query stays inside them. */
function SearchForm({ s }: { s: CatalogState }) {
  return (
    <form class="search" method="get" action="/" role="search" data-live-search>
      <label for="q">Search templates</label>
      <div class="row">
        <input id="q" type="search" name="q" value={s.q} maxLength={256} autoComplete="off" aria-describedby="q-help" />
        <label for="sort" class="visually-hidden">Sort by</label>
        <select id="sort" name="sort">
          {SORTS.map(([v, label]) => <option value={v} selected={(s.sort ?? '') === v}>{label}</option>)}
        </select>
        <label for="order" class="visually-hidden">Order</label>
        <select id="order" name="order">
          <option value="" selected={s.order === null}>Default order</option>
          <option value="asc" selected={s.order === 'asc'}>Ascending</option>
          <option value="desc" selected={s.order === 'desc'}>Descending</option>
        </select>
        <button type="submit">Search</button>
      </div>
      <p id="q-help" class="muted">Words match names, descriptions and keywords; "quoted phrases" and -exclusions work.</p>
      {s.keyword.map((k) => <input type="hidden" name="keyword" value={k} />)}
      {s.namespace === null ? null : <input type="hidden" name="namespace" value={s.namespace} />}
      {s.resource_type.map((t) => <input type="hidden" name="resource_type" value={t} />)}
      {s.parameter.map((t) => <input type="hidden" name="parameter" value={t} />)}
      {s.deprecated === null ? null : <input type="hidden" name="deprecated" value={s.deprecated} />}
      {s.limit === null ? null : <input type="hidden" name="limit" value={s.limit} />}
    </form>
  );
}

/** The results region: the part a live search swaps in. */
function Results({ view }: { view: CatalogView }) {
  const { state: s } = view;
  return (
    <div id="results" aria-live="polite">
      <p class="total"><strong>{view.total}</strong> {view.total === 1 ? 'template' : 'templates'}{s.q === '' ? '' : ` for “${s.q}”`}</p>
      <ActiveFilters s={s} />
      <div class="catalog">
        <aside class="facets" aria-label="Filters">
          {FACET_TITLES.map(([facet, title]) => <FacetList view={view} facet={facet} title={title} />)}
        </aside>
        <section aria-label="Results">
          {view.items.length === 0 ? <p>No template matches. <a href="/">Clear the search</a>.</p> : (
            <ol class="results">{view.items.map((e) => <Result e={e} icon={view.iconOf(e)} />)}</ol>
          )}
          <nav class="pager" aria-label="Pages">
            {s.cursor === null ? null : <a href={catalogUrl({ ...s, cursor: null })}>First page</a>}
            {view.nextCursor === null ? null : <a rel="next" href={catalogUrl({ ...s, cursor: view.nextCursor })}>Next page</a>}
          </nav>
        </section>
      </div>
    </div>
  );
}

/** The catalog page. */
export function renderCatalogPage(ctx: PageContext, view: CatalogView): string {
  return renderPage(ctx, {
    title: view.state.q === '' ? 'Templates' : `${view.state.q} – search`,
    children: (
      <>
        <h1>Templates</h1>
        <SearchForm s={view.state} />
        <Results view={view} />
      </>
    ),
  });
}
