// The resources of a HOT template and the dependencies Heat finds between them (rsrc_defn.py
// required_resource_names): depends_on, and get_resource / get_attr in properties and metadata.

/** `from` needs `to`: Heat creates `to` first. */
export interface GraphEdge { from: string; to: string; kind: 'depends_on' | 'get_resource' | 'get_attr' }

/** One resource: its name, its type ('' when the template gives none), a link for nested templates. */
export interface GraphNode { id: string; type: string; href: string | null }

/** Nodes in template order; edges in the order found, each (from, to, kind) once. */
export interface ResourceGraph { nodes: GraphNode[]; edges: GraphEdge[] }

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function own(m: Mapping, key: string): unknown {
  return Object.hasOwn(m, key) ? m[key] : undefined;
}

/** The resource a get_attr argument names: its first item, or a one-letter string (Heat iterates a string). */
function attrTarget(arg: unknown): unknown {
  if (Array.isArray(arg)) return arg[0];
  return typeof arg === 'string' && [...arg].length === 1 ? arg : undefined;
}

/**
 * Calls `found` for each get_resource and get_attr in `snippet`, as Heat's function.dependencies
 * walks it: a function is a mapping with one key, its arguments are walked too (functions nest),
 * and only names written as strings count (a name computed by get_param is not known offline).
 * Both branches of an `if` are walked: which one Heat keeps depends on the stack's parameters.
 */
function walk(snippet: unknown, found: (kind: GraphEdge['kind'], name: string) => void, depth = 0): void {
  if (depth > 64) return; // YAML aliases can nest a value in itself; templates stay far shallower
  if (Array.isArray(snippet)) { for (const item of snippet) walk(item, found, depth + 1); return; }
  if (!isMapping(snippet)) return;
  const keys = Object.keys(snippet);
  if (keys.length === 1) {
    const arg = snippet[keys[0] ?? ''];
    if (keys[0] === 'get_resource' && typeof arg === 'string') found('get_resource', arg);
    if (keys[0] === 'get_attr') { const t = attrTarget(arg); if (typeof t === 'string') found('get_attr', t); }
  }
  for (const k of keys) walk(snippet[k], found, depth + 1);
}

function dependsOn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The resources of a parsed HOT template (loadHeatYaml's value) and their dependencies: depends_on
 * (a string or a list) and every get_resource / get_attr in properties and metadata, where Heat
 * looks for them. Edges to names that are not resources of the template, and a resource's edges to
 * itself, are left out (Heat refuses both). A resource with an external_id has none, as in Heat.
 * `hrefOf(type)` links a node (for nested-template types); null otherwise. Throws nothing.
 */
export function resourceGraph(template: unknown, hrefOf?: (type: string) => string | null): ResourceGraph {
  const section = isMapping(template) ? own(template, 'resources') : undefined;
  const resources = isMapping(section) ? Object.entries(section) : [];
  const names = new Set(resources.map(([name]) => name));
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const [name, def] of resources) {
    const d = isMapping(def) ? def : {};
    const typeValue = own(d, 'type');
    const type = typeof typeValue === 'string' ? typeValue : '';
    nodes.push({ id: name, type, href: hrefOf && type ? hrefOf(type) : null });
    if (own(d, 'external_id') !== undefined && own(d, 'external_id') !== null) continue;
    const add = (kind: GraphEdge['kind'], to: string) => {
      const key = JSON.stringify([to, kind]);
      if (to === name || !names.has(to) || seen.has(name + key)) return;
      seen.add(name + key);
      edges.push({ from: name, to, kind });
    };
    for (const to of dependsOn(own(d, 'depends_on'))) add('depends_on', to);
    walk(own(d, 'properties'), add);
    walk(own(d, 'metadata'), add);
  }
  return { nodes, edges };
}
export { renderGraphSvg } from './graph-svg';
