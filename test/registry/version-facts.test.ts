// FactsReader on its own, over objects held in memory: facts per tree, each blob parsed once.
import { FactsReader } from '../../src/registry/version-facts';
import type { TreeFile } from '../../src/git/objects';

const TEMPLATE = 'heat_template_version: 2021-04-16\nparameters:\n  flavor: {type: string}\nresources: {}\n';
const MANIFEST = 'name: web\ndescription: A web server\nkeywords: [nginx]\n';

/** Trees by id, blobs by id, and how often each blob was read. */
function objects(trees: Record<string, Record<string, string>>) {
  const blobs = new Map<string, string>();
  const reads = new Map<string, number>();
  const listed = new Map<string, Map<string, TreeFile>>();
  for (const [tree, files] of Object.entries(trees)) {
    listed.set(tree, new Map(Object.entries(files).map(([p, text]) => {
      const oid = `blob-${text.length}-${[...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}`;
      blobs.set(oid, text);
      return [p, { path: p, mode: '100644', oid, size: text.length }];
    })));
  }
  return {
    reads,
    listTree: async (_gitDir: string, tree: string) => listed.get(tree) ?? new Map<string, TreeFile>(),
    readBlob: async (_gitDir: string, oid: string) => { reads.set(oid, (reads.get(oid) ?? 0) + 1); return Buffer.from(blobs.get(oid) ?? ''); },
  };
}

test('a new tree with the same YAML (a README changed) has the same facts, its blobs not read again', async () => {
  const o = objects({ t1: { 'heater.yaml': MANIFEST, 'template.yaml': TEMPLATE, 'README.md': 'one' }, t2: { 'heater.yaml': MANIFEST, 'template.yaml': TEMPLATE, 'README.md': 'two' } });
  const reader = new FactsReader(o);
  const first = await reader.facts('/repo', 't1');
  expect(first.manifest?.description).toBe('A web server');
  expect(first.interface?.parameters.map((p) => p.name)).toEqual(['flavor']);
  expect(await reader.facts('/repo', 't2')).toEqual(first);
  expect([...o.reads.values()]).toEqual([1, 1]);
});

test('concurrent reads of one tree read it once; a changed template is read', async () => {
  const o = objects({ t1: { 'template.yaml': TEMPLATE }, t3: { 'template.yaml': `${TEMPLATE}outputs: {ip: {value: 1}}\n` } });
  const reader = new FactsReader(o);
  const [a, b] = await Promise.all([reader.facts('/repo', 't1'), reader.facts('/repo', 't1')]);
  expect(a).toBe(b);
  expect(a.manifest).toBeNull();
  expect((await reader.facts('/repo', 't3')).interface?.outputs.map((x) => x.name)).toEqual(['ip']);
  expect([...o.reads.values()]).toEqual([1, 1]);
});
