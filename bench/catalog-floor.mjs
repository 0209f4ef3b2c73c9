// catalog-floor.mjs — the floor for bench/catalog.mjs: a bare node:http server answering
// GET /api/v1/templates from the same SQLite file with the same SQL as Heater (dist/'s
// SqliteCatalog, parseListing, pickFields, encodeCursor), every namespace visible, no Express,
// no access policy, no per-request namespace list. What Heater costs above this is its own.
//
//   node bench/catalog-floor.mjs CATALOG_FILE PORT
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { SqliteCatalog } = require(path.join(dist, 'catalog/sqlite-catalog.js'));
const { parseListing, pickFields, encodeCursor } = require(path.join(dist, 'http/catalog-params.js'));

const [file, port = '18095'] = process.argv.slice(2);
const catalog = SqliteCatalog.open(file);
const visible = (await catalog.namespaces()).map((n) => n.namespace); // once, not per request

http.createServer(async (req, res) => {
  try {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/healthz') { res.end('ok'); return; }
    if (u.pathname !== '/api/v1/templates') { res.statusCode = 404; res.end(); return; }
    const q = {};
    for (const [k, v] of u.searchParams) q[k] = k in q ? [].concat(q[k], v) : v;
    const listing = parseListing(q);
    let after = listing.after;
    if (after && listing.query.sort === 'relevance') after = { id: after.id, key: (await catalog.relevance(listing.query.text, after.id)) ?? after.key };
    const query = { ...listing.query, visible, ...(after ? { after } : {}) };
    const [page, facets] = await Promise.all([catalog.search(query), listing.facets.length > 0 ? catalog.facets(query, listing.facets) : undefined]);
    const body = JSON.stringify({ items: page.items.map((e) => pickFields(e, listing.fields)), nextCursor: page.next ? encodeCursor(page.next, listing.query) : null, total: page.total, ...(facets ? { facets } : {}) });
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(body);
  } catch (e) {
    res.statusCode = 400;
    res.end(JSON.stringify({ error: String(e?.message ?? e) }));
  }
}).listen(Number(port), '127.0.0.1', () => process.stdout.write(`floor listening on ${port}\n`));
