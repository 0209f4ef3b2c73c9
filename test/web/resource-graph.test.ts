// The resource graph: its edges judged against Heat's own dependencies on the corpus, and the SVG.
import { spawnSync } from 'node:child_process';
import { renderGraphSvg, resourceGraph, type ResourceGraph } from '../../src/web/resource-graph';
import { corpusTemplates, judgeWithHeat } from './heat-judge';

const pairsOf = (edges: readonly { from: string; to: string }[]) => [...new Set(edges.map((e) => `${e.from} -> ${e.to}`))].sort();

describe('resourceGraph agrees with Heat', () => {
  const templates = corpusTemplates();
  const heat = judgeWithHeat(templates.map((t) => ({ mode: 'deps', template: t.text })));
  const judged = templates.flatMap((t, i) => { const h = heat[i]; return h?.ok ? [{ ...t, heat: h }] : []; });

  test(`the same dependencies for every template Heat builds (${judged.length} of ${templates.length})`, () => {
    expect(judged.length).toBeGreaterThan(100);
    const disagree = judged.flatMap((t) => {
      const graph = resourceGraph(t.value);
      // resources whose condition is false under the default parameters are not in Heat's stack
      const names = new Set(t.heat.resources);
      // Heat names what a reference points to even when no such resource exists (validation refuses it later)
      const theirs = pairsOf((t.heat.edges ?? []).map(([from, to]) => ({ from, to })).filter((e) => names.has(e.to) && e.from !== e.to));
      const ours = pairsOf(graph.edges.filter((e) => names.has(e.from) && names.has(e.to)));
      return JSON.stringify(ours) === JSON.stringify(theirs) ? [] : [{ name: t.name, onlyOurs: ours.filter((p) => !theirs.includes(p)), onlyHeat: theirs.filter((p) => !ours.includes(p)) }];
    });
    expect(disagree).toEqual([]);
  });

  // Resource.add_dependencies overrides (heat/engine/resources/openstack/neutron, nova/server.py) add
  // edges no template text names; the graph draws what the template says, so these are left out
  const IMPLICIT = new Set(['OS::Nova::Server -> OS::Neutron::Subnet', 'OS::Neutron::Port -> OS::Neutron::Subnet',
    'OS::Neutron::FloatingIP -> OS::Neutron::RouterInterface', 'OS::Neutron::FloatingIP -> OS::Neutron::RouterGateway',
    'OS::Neutron::FloatingIP -> OS::Neutron::Router', 'OS::Neutron::RouterGateway -> OS::Neutron::RouterInterface']);

  const built = judged.filter((t) => t.heat.stack_edges !== undefined);
  test(`inside Stack.dependencies, which adds only the type-specific implicit edges (${built.length} stacks built offline)`, () => {
    expect(built.length).toBeGreaterThan(100);
    const problems = built.flatMap((t) => {
      const types = t.heat.types ?? {};
      const stack = pairsOf((t.heat.stack_edges ?? []).map(([from, to]) => ({ from, to })));
      const ours = pairsOf(resourceGraph(t.value).edges.filter((e) => e.from in types && e.to in types));
      const missing = ours.filter((p) => !stack.includes(p));
      const unexplained = stack.filter((p) => !ours.includes(p)).filter((p) => {
        const [from = '', to = ''] = p.split(' -> ');
        return !IMPLICIT.has(`${types[from]} -> ${types[to]}`);
      });
      return missing.length || unexplained.length ? [{ name: t.name, missing, unexplained }] : [];
    });
    expect(problems).toEqual([]);
  });
});

/** Each SVG parsed by Python's xml.etree: its root tag, role, title and every text, or the parse error. */
function parseXml(svgs: readonly string[]): { error?: string; root?: string; role?: string; title?: string; texts?: string[]; links?: string[] }[] {
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'N = "{http://www.w3.org/2000/svg}"',
    'for line in sys.stdin:',
    '    try:',
    '        r = ET.fromstring(json.loads(line))',
    '        print(json.dumps({"root": r.tag, "role": r.get("role"), "title": r.find(N + "title").text,',
    '            "texts": [t.text for t in r.iter(N + "text")], "links": [a.get("href") for a in r.iter(N + "a")]}))',
    '    except Exception as e:',
    '        print(json.dumps({"error": str(e)}))',
  ].join('\n');
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: svgs.map((s) => JSON.stringify(s)).join('\n'), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return run.stdout.trim().split('\n').map((l) => JSON.parse(l) as ReturnType<typeof parseXml>[number]);
}

describe('renderGraphSvg', () => {
  const hostile: ResourceGraph = resourceGraph({
    heat_template_version: '2021-04-16',
    resources: {
      '<script>alert(1)</script>': { type: 'OS::Nova::Server', properties: { x: { get_resource: 'a&b' } } },
      'a&b': { type: 'nested/"child".yaml' },
      'bad\u0001name': { type: 'javascript.yaml', depends_on: ['a&b'] },
    },
  }, (type) => (type === 'javascript.yaml' ? 'javascript:alert(1)' : type.endsWith('.yaml') ? `/t/acme/web/files/${type}` : null));
  const svg = renderGraphSvg(hostile) as string;

  test('escapes every name and type, links nested templates, refuses script URLs', () => {
    const [parsed] = parseXml([svg]);
    expect(parsed?.error).toBeUndefined();
    // a link inside role="img" would be an interactive control nested in an image (axe: nested-interactive)
    expect(parsed).toMatchObject({ root: '{http://www.w3.org/2000/svg}svg', role: 'group', title: 'Resources of the template and their dependencies' });
    expect(parseXml([renderGraphSvg(resourceGraph({ resources: { a: { type: 'x.yaml' } } })) as string])[0]?.role).toBe('img');
    expect(parsed?.texts).toEqual(['<script>alert(1)</script>', 'OS::Nova::Server', 'a&b', 'nested/"child".yaml', 'bad\uFFFDname', 'javascript.yaml']);
    expect(parsed?.links).toEqual(['/t/acme/web/files/nested/"child".yaml']);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('<desc');
    expect(svg).toMatch(/class="edge depends_on"/);
  });

  test('is the same for the same graph', () => {
    expect(renderGraphSvg(structuredClone(hostile))).toBe(svg);
  });

  test('over 300 nodes: a small SVG that says so', () => {
    const nodes = Array.from({ length: 301 }, (_, i) => ({ id: `r${i}`, type: 'OS::Heat::None', href: null }));
    const big = renderGraphSvg({ nodes, edges: [] }) as string;
    const [parsed] = parseXml([big]);
    expect(parsed?.texts?.[0]).toMatch(/301 resources: too many to draw/);
    expect(big.length).toBeLessThan(2000);
    expect(parseXml([renderGraphSvg({ nodes: nodes.slice(0, 300), edges: [] }) as string])[0]?.texts).toHaveLength(600);
  });

  test('over 3000 linked pairs: the same note, before any layout', () => {
    const nodes = Array.from({ length: 100 }, (_, i) => ({ id: `r${i}`, type: 'OS::Heat::None', href: null }));
    const edges = nodes.flatMap((a, i) => nodes.slice(0, i).map((b) => ({ from: a.id, to: b.id, kind: 'get_attr' as const })));
    expect(parseXml([renderGraphSvg({ nodes, edges }) as string])[0]?.texts?.[0]).toMatch(/4950 dependencies: too many to draw/);
  });

  test('every corpus template draws as well-formed XML with a box for each resource', () => {
    const graphs = corpusTemplates().map((t) => resourceGraph(t.value));
    const parsed = parseXml(graphs.map((g) => renderGraphSvg(g) as string));
    const bad = graphs.flatMap((g, i) => {
      const p = parsed[i];
      const names = p?.texts?.filter((_, k) => k % 2 === 0) ?? [];
      const expected = g.nodes.length > 300 ? 1 : g.nodes.length;
      return p?.error || names.length !== expected ? [{ i, error: p?.error, nodes: g.nodes.length, drawn: names.length }] : [];
    });
    expect(bad).toEqual([]);
  });
});
