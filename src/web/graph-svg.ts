// A resource graph laid out by dagre (@dagrejs/dagre: layered layout for directed graphs,
// synchronous and deterministic) and drawn as a standalone, accessible SVG that follows the
// page's colours (currentColor) and so its dark mode.
import type { GraphEdge, GraphNode, ResourceGraph } from './resource-graph';

// @dagrejs/dagre's types are an ES module's while Heater compiles to CommonJS; its package
// exports a CommonJS build for require, so it is required and typed from the same declarations.
const dagre = require('@dagrejs/dagre') as typeof import('@dagrejs/dagre', { with: { 'resolution-mode': 'import' } });

/** Past this many resources the picture is unreadable and the layout slow: a note instead. */
export const MAX_DRAWN_NODES = 300;
/** Likewise past this many linked pairs (dagre's crossing reduction grows with the edges, not the nodes). */
export const MAX_DRAWN_EDGES = 3000;
const MAX_LABEL = 40;
const CHAR_WIDTH = 7.2; // px per character at the 12px font of the style below
const NODE_HEIGHT = 42;

const STYLE = [
  '.hg{font:12px system-ui,sans-serif;color:inherit}',
  '.hg .node rect{fill:none;stroke:currentColor;stroke-width:1.2}',
  '.hg .node text{fill:currentColor}',
  '.hg .node .type{opacity:.7;font-size:11px}',
  '.hg a.node rect{stroke-width:2}',
  '.hg a.node .name{text-decoration:underline}',
  '.hg .edge{fill:none;stroke:currentColor;stroke-width:1;opacity:.75}',
  '.hg .edge.depends_on{stroke-dasharray:4 3}',
  '.hg .arrow{fill:currentColor}',
].join('');

// XML 1.0 refuses these code points even escaped; a resource name could hold them.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text made safe for XML content and attribute values. */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function shorten(text: string): string {
  const chars = [...text];
  return chars.length > MAX_LABEL ? `${chars.slice(0, MAX_LABEL - 1).join('')}…` : text;
}

/** Only web links and relative paths: a template's type must not become a javascript: URL. */
function safeHref(href: string | null): string | null {
  if (href === null) return null;
  return /^https?:\/\//i.test(href) || !/^[a-z][a-z0-9+.-]*:/i.test(href) ? href : null;
}

/** A short, stable id prefix for this graph, so two SVGs on one page keep their markers apart (FNV-1a). */
function idOf(graph: ResourceGraph): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify(graph)) { h ^= ch.charCodeAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
  return `hg${h.toString(36)}`;
}

const num = (n: number) => String(Math.round(n * 10) / 10);

/**
 * role="img" makes its children presentational, and a link inside one is then an interactive
 * control nested in an image (axe-core's nested-interactive, a serious violation): a graph with
 * links is a labelled group instead, whose links keep their own names.
 */
function header(id: string, width: number, height: number, title: string, desc: string, hasLinks = false): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="hg" role="${hasLinks ? 'group' : 'img'}" aria-labelledby="${id}-t ${id}-d" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">`
    + `<title id="${id}-t">${xmlEscape(title)}</title><desc id="${id}-d">${xmlEscape(desc)}</desc><style>${STYLE}</style>`;
}

function describe(graph: ResourceGraph): string {
  const deps = graph.edges.slice(0, 200).map((e) => `${e.from} needs ${e.to} (${e.kind})`);
  const more = graph.edges.length > deps.length ? `; and ${graph.edges.length - deps.length} more` : '';
  return `${graph.nodes.length} resources, ${graph.edges.length} dependencies${deps.length ? `: ${deps.join('; ')}` : ''}${more}.`;
}

function drawNode(n: GraphNode, x: number, y: number, width: number): string {
  const href = safeHref(n.href);
  const tag = href === null ? 'g' : 'a';
  const open = href === null ? '<g class="node">' : `<a class="node" href="${xmlEscape(href)}">`;
  return `${open}<title>${xmlEscape(n.type ? `${n.id}: ${n.type}` : n.id)}</title>`
    + `<rect x="${num(x - width / 2)}" y="${num(y - NODE_HEIGHT / 2)}" width="${num(width)}" height="${NODE_HEIGHT}" rx="4"/>`
    + `<text class="name" x="${num(x)}" y="${num(y - 4)}" text-anchor="middle">${xmlEscape(shorten(n.id))}</text>`
    + `<text class="type" x="${num(x)}" y="${num(y + 13)}" text-anchor="middle">${xmlEscape(shorten(n.type || '(no type)'))}</text></${tag}>`;
}

/**
 * The graph laid out (dagre, dependencies above what needs them) as a standalone SVG string:
 * role="img" (role="group" when it holds links, see header) labelled by its <title> and <desc>
 * (the dependencies in words), each node a box with its name
 * and type, nested templates as links, edges as arrows (dashed for depends_on), styled by CSS
 * classes and currentColor. Every text is XML-escaped. Deterministic for the same graph. Over
 * MAX_DRAWN_NODES resources or MAX_DRAWN_EDGES linked pairs, a small SVG saying the graph is too
 * large to draw. Throws nothing.
 */
export function renderGraphSvg(graph: ResourceGraph): string {
  const id = idOf(graph);
  const title = 'Resources of the template and their dependencies';
  const pairs = new Set(graph.edges.map((e) => JSON.stringify([e.from, e.to]))).size;
  if (graph.nodes.length > MAX_DRAWN_NODES || pairs > MAX_DRAWN_EDGES) {
    const note = graph.nodes.length > MAX_DRAWN_NODES
      ? `This template has ${graph.nodes.length} resources: too many to draw (the limit is ${MAX_DRAWN_NODES}).`
      : `This template has ${pairs} dependencies: too many to draw (the limit is ${MAX_DRAWN_EDGES}).`;
    return `${header(id, 480, 40, title, note)}<text x="8" y="24" fill="currentColor">${xmlEscape(note)}</text></svg>`;
  }
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'BT', nodesep: 24, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const widths = new Map<string, number>();
  for (const n of graph.nodes) {
    const w = Math.max(80, Math.ceil(Math.max([...shorten(n.id)].length, [...shorten(n.type)].length) * CHAR_WIDTH) + 20);
    widths.set(n.id, w);
    g.setNode(n.id, { width: w, height: NODE_HEIGHT });
  }
  // one arrow per pair, carrying every kind that links them
  const kinds = new Map<string, { e: GraphEdge; kinds: string[] }>();
  for (const e of graph.edges) {
    if (!widths.has(e.from) || !widths.has(e.to)) continue;
    const key = JSON.stringify([e.from, e.to]);
    const k = kinds.get(key);
    if (k) { if (!k.kinds.includes(e.kind)) k.kinds.push(e.kind); } else kinds.set(key, { e, kinds: [e.kind] });
  }
  for (const { e } of kinds.values()) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const size = g.graph();
  const hasLinks = graph.nodes.some((n) => safeHref(n.href) !== null);
  let out = header(id, size.width ?? 0, size.height ?? 0, title, describe(graph), hasLinks);
  out += `<defs><marker id="${id}-a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0,0L10,5L0,10z"/></marker></defs><g class="edges">`;
  for (const { e, kinds: ks } of kinds.values()) {
    const points: readonly { x: number; y: number }[] = g.edge(e.from, e.to)?.points ?? [];
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(p.x)},${num(p.y)}`).join('');
    out += `<path class="edge ${ks.join(' ')}" d="${d}" marker-end="url(#${id}-a)"><title>${xmlEscape(`${e.from} needs ${e.to} (${ks.join(', ')})`)}</title></path>`;
  }
  out += '</g><g class="nodes">';
  for (const n of graph.nodes) {
    const at = g.node(n.id);
    out += drawNode(n, at?.x ?? 0, at?.y ?? 0, widths.get(n.id) ?? 80);
  }
  return `${out}</g></svg>`;
}
