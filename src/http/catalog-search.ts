// One catalog search for a caller: what GET /api/v1/templates and the catalog page both answer from.
import type { IncomingMessage } from 'node:http';
import type { CatalogPage, CatalogStore, Facets } from '../catalog/catalog-store';
import type { Access } from './access';
import type { ListingRequest } from './catalog-params';

/**
 * The page and facets of a listing, over the namespaces the caller (already let through by
 * access.allow) may read: private ones it may not read are left out of items, total and facets.
 */
export async function searchCatalog(catalog: CatalogStore, access: Access, req: IncomingMessage, listing: ListingRequest): Promise<{ page: CatalogPage; facets: Facets | undefined }> {
  const visible = access.readable(req, (await catalog.namespaces()).map((n) => n.namespace));
  let after = listing.after;
  if (after && listing.query.sort === 'relevance' && visible.includes(after.id.slice(0, after.id.indexOf('/')))) {
    // scores move as templates come and go: the page starts after the last item's score as it is now. Only a
    // template the caller may see is re-scored: a cursor is the caller's to edit, and must reveal nothing hidden
    after = { id: after.id, key: (await catalog.relevance(listing.query.text, after.id)) ?? after.key };
  }
  const query = { ...listing.query, visible, ...(after ? { after } : {}) };
  const [page, facets] = await Promise.all([catalog.search(query), listing.facets.length > 0 ? catalog.facets(query, listing.facets) : undefined]);
  return { page, facets };
}
