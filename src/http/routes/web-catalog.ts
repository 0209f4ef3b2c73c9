// Web pages of the catalog: `/` (search, facets, pages) and the template page `/t/:ns/:name[/v/:ref]`, with its read-link button.
import { Router, urlencoded, type Request, type Response } from 'express';
import type { CatalogEntry, CatalogStore, FacetName } from '../../catalog/catalog-store';
import { UseResolver } from '../../catalog/use-resolver';
import type { TemplateId } from '../../git/store';
import { InvalidInputError } from '../../errors/invalid-input-error';
import type { Registry } from '../../registry/registry';
import { renderCatalogPage, type CatalogState } from '../../web/catalog-page';
import { renderMarkdown } from '../../web/markdown';
import { downloadsOf, filePath, renderTemplatePage, renderUnreleasedPage, versionPath, type TemplateView } from '../../web/template-page';
import { renderGraphSvg, resourceGraph } from '../../web/resource-graph';
import { loadHeatYaml } from '../../heat/yaml';
import { parseTemplateUrl } from '../../registry/template-url';
import { MAX_YAML_BYTES } from '../../registry/tree-check';
import type { TreeFile } from '../../git/objects';
import type { Access } from '../access';
import { encodeCursor, parseListing } from '../catalog-params';
import { searchCatalog } from '../catalog-search';
import { methodNotAllowed } from '../method-not-allowed';
import { cloneUrl, fileUrl, onlyParams, takes, templateParam } from '../params';
import { linkRequest, makeReadLink, type MadeLink, type ReadLinkDeps } from '../read-link';
import type { WebPages } from '../web-pages';

export interface WebCatalogDeps extends ReadLinkDeps {
  readonly catalog: CatalogStore;
  readonly registry: Registry;
  readonly access: Access;
  readonly pages: WebPages;
}

const FACETS: readonly FacetName[] = ['keywords', 'namespaces', 'resource_types', 'licenses'];
// the API's listing parameters but fields and facets: the page always asks for its own
const PAGE_PARAMS = ['q', 'keyword', 'namespace', 'license', 'resource_type', 'parameter', 'deprecated', 'sort', 'order', 'limit', 'cursor'];
const README = /^readme(?:\.md|\.markdown)?$/i;
// The README is rendered when it is at most this big; a bigger one is a link to its file page.
const MAX_README_BYTES = 512 * 1024;

/**
 * The parsed entrypoint of a version (as Heat reads its YAML), or null when it is missing, too big
 * to parse here, or not YAML. Throws what registry.file throws for a file that vanished.
 */
export async function entrypointTemplate(registry: Registry, t: TemplateId, ref: string, entrypoint: string, files: readonly TreeFile[]): Promise<unknown> {
  const file = files.find((f) => f.path === entrypoint);
  if (!file || file.size > MAX_YAML_BYTES) return null;
  const { body } = await registry.file(t, ref, entrypoint);
  if (!Buffer.isBuffer(body)) { body.kill(); return null; }
  const parsed = loadHeatYaml(body.toString('utf8'));
  return parsed.ok ? parsed.value : null;
}

/** The SVG of a template's resources; a nested template links to its file page, or to the page of the Heater template it names. */
function graphOf(id: string, at: string, entrypoint: string, template: unknown): string | null {
  const folder = entrypoint.includes('/') ? entrypoint.slice(0, entrypoint.lastIndexOf('/') + 1) : '';
  const hrefOf = (type: string): string | null => {
    const used = parseTemplateUrl(type);
    if (used) return versionPath(used.template, used.ref);
    if (!/\.(?:ya?ml|template)$/.test(type) || /^[a-z][a-z0-9+.-]*:|^\//i.test(type)) return null;
    const path = (folder + type).split('/').reduce<string[]>((out, part) => (part === '..' ? out.slice(0, -1) : part === '.' || part === '' ? out : [...out, part]), []).join('/');
    return filePath(id, at, path);
  };
  const graph = resourceGraph(template, hrefOf);
  // the SVG's own <style> is inline style, which the pages' CSP refuses: heater.css carries the same rules
  return graph.nodes.length === 0 ? null : renderGraphSvg(graph).replace(/<style>[^<]*<\/style>/, '');
}

// The template page shows the changelog of this many versions, highest first (each entry may list many changes).
const MAX_CHANGELOG = 50;

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const one = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The catalog state of a (validated) query string. */
function stateOf(q: Readonly<Record<string, unknown>>): CatalogState {
  const deprecated = one(q.deprecated);
  return {
    q: one(q.q) ?? '', keyword: list(q.keyword), namespace: one(q.namespace), license: one(q.license), resource_type: list(q.resource_type), parameter: list(q.parameter),
    deprecated: deprecated === 'true' || deprecated === 'false' ? deprecated : null, sort: one(q.sort), order: one(q.order), limit: one(q.limit), cursor: one(q.cursor),
  };
}

/** Routes of the catalog and template pages. */
export function webCatalogRouter(deps: WebCatalogDeps): Router {
  const { catalog, registry, access, pages, publicUrl } = deps;
  const r = Router();
  const isPublic = (ns: string) => { const t = access.namespace(ns); return t.kind === 'namespace' && t.anonymousRead; };
  // a template's own icon (a path in it); one elsewhere is not loaded (the CSP allows our images only)
  const iconOf = (e: CatalogEntry) => (e.icon !== null && !/^[a-z][a-z0-9+.-]*:/i.test(e.icon) && e.latestVersion !== null
    ? downloadsOf(e.id, e.latestVersion, !isPublic(e.namespace)).raw(e.icon) : null);

  r.route('/').get(pages.session, access.allow('read', 'registry'), async (req, res) => {
    // a plain form sends its empty fields (sort=&order=): on a page, empty means not given; an unknown name is refused even empty (`?typo=`)
    const extra = Object.keys(req.query).find((k) => !PAGE_PARAMS.includes(k) && !k.startsWith('meta.'));
    if (extra !== undefined) throw new InvalidInputError(extra, `"${extra.slice(0, 60).replace(/[\x00-\x1f\x7f]/g, '?')}" is not a parameter of the catalog page, which takes ${PAGE_PARAMS.join(', ')} and meta.KEY.`);
    const query = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== ''));
    const listing = { ...parseListing(query), fields: null, facets: FACETS };
    const { page, facets } = await searchCatalog(catalog, access, req, listing);
    pages.send(res, renderCatalogPage(pages.context(req), {
      state: stateOf(query), items: page.items, total: page.total, facets: facets ?? {},
      nextCursor: page.next ? encodeCursor(page.next, listing.query) : null, iconOf,
    }));
  }).all(methodNotAllowed('GET, HEAD'));

  /** The template page's data at `ref` (`latest` when the URL names none). */
  const templateView = async (req: Request, t: TemplateId, ref: string, link: MadeLink | null): Promise<TemplateView> => {
    const [detail, versions] = await Promise.all([registry.get(t), registry.versions(t)]);
    // a template whose versions are all prereleases or yanked has no `latest`: its highest version stands in
    const wanted = ref === 'latest' && detail.latestVersion === null && versions[0] ? versions[0].version : ref;
    const { gitDir, resolution } = await registry.resolve(t, wanted);
    const [facts, files, records] = await Promise.all([registry.facts(gitDir, resolution), registry.files(gitDir, resolution), catalog.versionRecords(t.id)]);
    const v = resolution.version;
    const at = v?.version ?? resolution.commit;
    const readmeFile = files.find((f) => README.test(f.path) && f.size <= MAX_README_BYTES);
    let readme: string | null = null;
    if (readmeFile) {
      const { body } = await registry.file(t, at, readmeFile.path); // the version when there is one: resolved from the index, no git call
      readme = Buffer.isBuffer(body) ? renderMarkdown(body.toString('utf8'), readmeFile.path, {
        page: (p) => filePath(t.id, at, p),
        raw: (p) => downloadsOf(t.id, at, !access.template(t).anonymousRead).raw(p),
      }) : (body.kill(), null);
    }
    const resolver = new UseResolver(registry);
    const record = records.find((rec) => rec.entry.version === v?.version);
    // a use of a template the caller may not read is listed without where it lands, as the dependencies API does
    const dependencies = await Promise.all((record?.uses ?? []).map(async (u) => ({
      ...u, ...(access.mayRead(req, u.template.split('/')[0] ?? '') ? await resolver.resolve(u) : { resolvesTo: null, admitsLatest: false }),
    })));
    const uses = (await catalog.dependents(t.id)).filter((d) => access.mayRead(req, d.namespace)).slice(0, 100);
    const dependents = await Promise.all(uses.map(async (d) => ({ template: d.template, version: d.version, isLatest: d.version === d.latestVersion, ref: d.use.ref, ...(await resolver.resolve(d.use)) })));
    const target = access.template(t);
    return {
      detail, cloneUrl: cloneUrl(publicUrl, req, t.id), versions, facts, files, readme, dependencies, dependents, link,
      selected: { requested: ref, resolvedBy: resolution.resolvedBy, version: v?.version ?? null, commit: resolution.commit, deprecated: v?.deprecated ?? null, yanked: v?.yanked ?? null },
      changelog: records.slice(0, MAX_CHANGELOG).map((rec) => rec.entry), changelogTotal: records.length,
      templateUrl: fileUrl(publicUrl, req, t.id, at, facts.entrypoint),
      graph: graphOf(t.id, at, facts.entrypoint, await entrypointTemplate(registry, t, at, facts.entrypoint, files)),
      isPrivate: !target.anonymousRead,
      mayShare: pages.sessionOf(req) !== undefined && access.may(req, 'share', target),
    };
  };

  const templatePage = (refOf: (req: Request) => string) => [pages.session, access.allow('read', 'template'), async (req: Request, res: Response) => {
    onlyParams(req.query, [], 'the template page');
    const t = templateParam(req);
    const ref = refOf(req);
    if (ref === 'latest' && (await registry.versions(t)).length === 0) {
      pages.send(res, renderUnreleasedPage(pages.context(req), await registry.get(t), cloneUrl(publicUrl, req, t.id)));
      return;
    }
    pages.send(res, renderTemplatePage(pages.context(req), await templateView(req, t, ref, null)));
  }] as const;

  r.route('/t/:ns/:name').get(...templatePage(() => 'latest')).all(methodNotAllowed('GET, HEAD'));
  r.route('/t/:ns/:name/v/:ref').get(...templatePage((req) => String(req.params.ref))).all(methodNotAllowed('GET, HEAD'));

  // the read-link button: a signed-in token that may share the template
  r.route('/t/:ns/:name/links').post(pages.session, access.allow('share', 'template'), takes('the read-link form'), urlencoded({ extended: false, limit: '4kb' }), pages.checkForm, async (req, res) => {
    const t = templateParam(req);
    const { version, expires } = req.body as Record<string, unknown>;
    const link = await makeReadLink(deps, req, t, linkRequest({ version, expires }));
    res.setHeader('Cache-Control', 'no-store'); // the page holds a credential
    pages.send(res, renderTemplatePage(pages.context(req), await templateView(req, t, link.version ?? 'latest', link)), 201);
  }).all(methodNotAllowed('POST'));

  return r;
}
