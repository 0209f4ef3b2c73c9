// The query string of GET /api/v1/templates: every parameter checked, unknown ones refused, read into a catalog query.
import type { CatalogEntry, CatalogPosition, CatalogQuery, CatalogSort, FacetName, SortOrder } from '../catalog/catalog-store';
import { MAX_QUERY_LENGTH, MAX_TERMS, parseTextQuery } from '../catalog/text-query';
import { InvalidInputError } from '../errors/invalid-input-error';
import { isValidName } from '../git/store';
import { badCursor, decodeOpaque, encodeOpaque, pageLimit, queryFingerprint } from './cursor';

/** The filters and page of a listing, without the caller's visible namespaces (the route adds them). */
export type ListingQuery = Omit<CatalogQuery, 'visible' | 'after'>;

export interface ListingRequest {
  readonly query: ListingQuery;
  /** The decoded cursor, if one was given; for relevance its key is re-read by the route. */
  readonly after?: CatalogPosition;
  readonly fields: readonly string[] | null;
  readonly facets: readonly FacetName[];
}

const SINGLE = ['q', 'namespace', 'license', 'deprecated', 'sort', 'order', 'limit', 'cursor', 'fields', 'facets'] as const;
const REPEATABLE = ['keyword', 'resource_type', 'parameter'] as const;
const SORTS: readonly CatalogSort[] = ['relevance', 'name', 'updated', 'created', 'versions'];
const FACETS: readonly FacetName[] = ['keywords', 'namespaces', 'resource_types', 'licenses'];
/** Parts of an entry that `fields=` may pick (`metadata.KEY` picks one metadata entry). */
export const FIELDS = ['namespace', 'name', 'id', 'description', 'keywords', 'metadata', 'entrypoint', 'icon', 'authors', 'license',
  'homepage', 'latestVersion', 'deprecated', 'versionCount', 'versions', 'labels', 'created', 'updated', 'interface'] as const;
/** What an entry holds when `fields` is not given: the summary of earlier releases, and what a listing shows beside it. */
const DEFAULT_FIELDS = ['namespace', 'name', 'id', 'description', 'keywords', 'latestVersion', 'updated', 'created', 'versionCount', 'deprecated', 'metadata', 'license', 'icon'];
// Repeats of one filter: more than a person or a dashboard sends, few enough to keep a query cheap.
const MAX_REPEATS = 20;
const DEFAULT_ORDER: Readonly<Record<CatalogSort, SortOrder>> = { relevance: 'desc', name: 'asc', updated: 'desc', created: 'desc', versions: 'desc' };
const PRINTABLE = /^[^\x00-\x1f\x7f]*$/;

const shown = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s).replace(/[\x00-\x1f\x7f]/g, '?');

/** Values of a parameter as a list (the simple query parser gives a string, or an array when repeated). */
function values(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.map(String) : raw === undefined ? [] : [String(raw)];
}

function text(name: string, v: string, max: number): string {
  if (v.length === 0 || v.length > max || !PRINTABLE.test(v)) throw new InvalidInputError(name, `${name} must be 1 to ${max} characters without control characters.`);
  return v;
}

/** Reads the query string; throws InvalidInputError naming the parameter for anything unknown, repeated or malformed. */
export function parseListing(query: Readonly<Record<string, unknown>>): ListingRequest {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>(REPEATABLE.map((k) => [k, []]));
  const metadata: { key: string; value: string }[] = [];
  for (const [name, raw] of Object.entries(query)) {
    const vs = values(raw);
    if (name.startsWith('meta.')) {
      const key = text(name, name.slice(5), 128);
      for (const v of vs) metadata.push({ key, value: v.length > 1024 || !PRINTABLE.test(v) ? text(name, v, 1024) : v });
    } else if ((SINGLE as readonly string[]).includes(name)) {
      if (vs.length !== 1) throw new InvalidInputError(name, `${name} may be given only once.`);
      single.set(name, vs[0] ?? '');
    } else if ((REPEATABLE as readonly string[]).includes(name)) {
      multi.get(name)?.push(...vs);
    } else {
      throw new InvalidInputError(name, `"${shown(name)}" is not a parameter of this listing; the parameters are ${[...SINGLE, ...REPEATABLE].join(', ')} and meta.KEY.`);
    }
  }
  for (const [name, vs] of [...multi, ['meta.*', metadata]] as const) {
    if (vs.length > MAX_REPEATS) throw new InvalidInputError(name, `${name} may be repeated at most ${MAX_REPEATS} times.`);
  }
  const q = single.get('q') ?? '';
  if (q.length > MAX_QUERY_LENGTH) throw new InvalidInputError('q', `q may be at most ${MAX_QUERY_LENGTH} characters.`);
  const textQuery = parseTextQuery(q);
  if (!textQuery) throw new InvalidInputError('q', `q may have at most ${MAX_TERMS} words, phrases and exclusions.`);
  const namespace = single.get('namespace');
  if (namespace !== undefined && !isValidName(namespace)) throw new InvalidInputError('namespace', `"${shown(namespace)}" is not a valid namespace.`);
  const license = single.get('license');
  if (license !== undefined) text('license', license, 128);
  const sortRaw = single.get('sort');
  if (sortRaw !== undefined && !(SORTS as readonly string[]).includes(sortRaw)) throw new InvalidInputError('sort', `sort must be one of ${SORTS.join(', ')}.`);
  const sort = (sortRaw as CatalogSort | undefined) ?? (textQuery.include.length > 0 ? 'relevance' : 'name');
  const orderRaw = single.get('order');
  if (orderRaw !== undefined && orderRaw !== 'asc' && orderRaw !== 'desc') throw new InvalidInputError('order', 'order must be asc or desc.');
  const deprecatedRaw = single.get('deprecated');
  if (deprecatedRaw !== undefined && deprecatedRaw !== 'true' && deprecatedRaw !== 'false') throw new InvalidInputError('deprecated', 'deprecated must be true or false.');
  const listing: ListingQuery = {
    text: textQuery,
    keywords: [...new Set((multi.get('keyword') ?? []).map((k) => text('keyword', k, 64).toLowerCase()))],
    metadata,
    ...(namespace === undefined ? {} : { namespace }),
    ...(license === undefined ? {} : { license }),
    resourceTypes: (multi.get('resource_type') ?? []).map(resourceType),
    parameters: (multi.get('parameter') ?? []).map((p) => text('parameter', p, 255)),
    ...(deprecatedRaw === undefined ? {} : { deprecated: deprecatedRaw === 'true' }),
    sort,
    order: (orderRaw as SortOrder | undefined) ?? DEFAULT_ORDER[sort],
    limit: pageLimit(single.get('limit')),
  };
  const cursor = single.get('cursor');
  return {
    query: listing,
    ...(cursor === undefined ? {} : { after: decodeCursor(cursor, listing) }),
    fields: parseFields(single.get('fields')),
    facets: parseFacets(single.get('facets')),
  };
}

/** A resource type, or a prefix of types ending in `*` (`OS::Neutron::LBaaS::*`). */
function resourceType(v: string): { type: string; prefix: boolean } {
  const t = text('resource_type', v, 256);
  const prefix = t.endsWith('*');
  const type = prefix ? t.slice(0, -1) : t;
  if (type.includes('*') || /\s/.test(type) || (prefix && type === '')) {
    throw new InvalidInputError('resource_type', 'resource_type is a Heat resource type (OS::Nova::Server), or the start of some followed by one "*" (OS::Neutron::LBaaS::*).');
  }
  return { type, prefix };
}

function parseFields(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const out = raw.split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of out) {
    const known = (FIELDS as readonly string[]).includes(f) || (f.startsWith('metadata.') && f.length > 9 && f.length <= 137);
    if (!known) throw new InvalidInputError('fields', `"${shown(f)}" is not a field of a template; fields are ${FIELDS.join(', ')} and metadata.KEY.`);
  }
  return out;
}

function parseFacets(raw: string | undefined): FacetName[] {
  if (raw === undefined) return [];
  const out = [...new Set(raw.split(',').map((f) => f.trim()).filter(Boolean))];
  for (const f of out) if (!(FACETS as readonly string[]).includes(f)) throw new InvalidInputError('facets', `"${shown(f)}" is not a facet; the facets are ${FACETS.join(', ')}.`);
  return out as FacetName[];
}

/** The parts of `entry` that `fields` names (all of the default ones when null); `id` always. */
export function pickFields(entry: CatalogEntry, fields: readonly string[] | null): Record<string, unknown> {
  const all = entry as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { id: entry.id };
  for (const f of fields ?? DEFAULT_FIELDS) {
    if (!f.startsWith('metadata.')) { out[f] = all[f]; continue; }
    if (fields?.includes('metadata')) continue; // the whole block was asked for
    const picked = (out.metadata ?? {}) as Record<string, string>;
    const v = entry.metadata[f.slice(9)];
    out.metadata = v === undefined ? picked : { ...picked, [f.slice(9)]: v };
  }
  return out;
}

/** The opaque cursor of a page's end. */
export function encodeCursor(p: CatalogPosition, q: ListingQuery): string {
  return encodeOpaque({ k: p.key, i: p.id, f: queryFingerprint(q) });
}

function decodeCursor(raw: string, q: ListingQuery): CatalogPosition {
  const { k, i, f } = decodeOpaque(raw, 1000);
  if ((typeof k !== 'string' && (typeof k !== 'number' || !Number.isFinite(k))) || typeof i !== 'string' || !/^[a-z0-9._-]+\/[a-z0-9._-]+$/.test(i) || typeof f !== 'string') throw badCursor();
  if (f !== queryFingerprint(q)) throw new InvalidInputError('cursor', 'This cursor belongs to a listing with other filters or another order; send the same parameters as for the first page, or start again without it.');
  return { key: k, id: i };
}
