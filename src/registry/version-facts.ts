// What a version says about itself: its manifest (heater.yaml) and its Heat interface; cached by tree id.
import { loadHeatYaml, type HeatYamlLoad } from '../heat/yaml';
import type { ObjectReader } from '../git/objects';
import { MANIFEST_FILE, validateManifest, type Manifest } from './manifest';
import { extractInterface, type TemplateInterface } from './interface';
import { MAX_YAML_BYTES } from './tree-check';

export interface VersionFacts {
  /** The parsed heater.yaml (defaults filled in), or null when the version has none or it does not parse. */
  readonly manifest: Manifest | null;
  /** The entrypoint file: the manifest's, else template.yaml. */
  readonly entrypoint: string;
  /** Parameters, resource counts and outputs of the entrypoint when it is a Heat template, else null. */
  readonly interface: TemplateInterface | null;
}

/**
 * Reads version facts from the repo; a tree always has the same facts, so they are kept (bounded).
 * So are the manifest and the interface read from each blob: a new version that changed no YAML
 * (a README, a script) has new tree ids but is not parsed again.
 */
export class FactsReader {
  private readonly known = new Map<string, Promise<VersionFacts>>();
  private readonly manifests = new Map<string, Manifest | null>();
  private readonly interfaces = new Map<string, TemplateInterface | null>();
  constructor(
    private readonly objects: Pick<ObjectReader, 'listTree' | 'readBlob'>,
    private readonly max = 4096,
    private readonly load: (text: string) => HeatYamlLoad = loadHeatYaml,
  ) {}

  /** The facts of the version whose root tree is `tree`; concurrent calls for one tree read it once. */
  facts(gitDir: string, tree: string): Promise<VersionFacts> {
    const hit = this.known.get(tree);
    if (hit) return hit;
    const p = this.read(gitDir, tree);
    this.known.set(tree, p);
    p.catch(() => { if (this.known.get(tree) === p) this.known.delete(tree); });
    if (this.known.size > this.max) this.known.delete(this.known.keys().next().value as string);
    return p;
  }

  private async read(gitDir: string, tree: string): Promise<VersionFacts> {
    const files = await this.objects.listTree(gitDir, tree);
    // a blob's parse, by blob id: null when the file is absent, not a file, or too large to read
    const parsed = async <T>(p: string, cache: Map<string, T | null>, parse: (text: string) => T | null): Promise<T | null> => {
      const f = files.get(p);
      if (!f || f.mode === '120000' || f.mode === '160000' || f.size > MAX_YAML_BYTES) return null;
      if (cache.has(f.oid)) return cache.get(f.oid) ?? null;
      const value = parse((await this.objects.readBlob(gitDir, f.oid)).toString('utf8'));
      cache.set(f.oid, value);
      if (cache.size > this.max) cache.delete(cache.keys().next().value as string);
      return value;
    };
    const manifest = await parsed(MANIFEST_FILE, this.manifests, (text) => validateManifest(text).manifest);
    const entrypoint = manifest?.entrypoint ?? 'template.yaml';
    const iface = /\.ya?ml$/i.test(entrypoint) ? await parsed(entrypoint, this.interfaces, (text) => {
      const r = this.load(text);
      return r.ok && r.value !== null ? extractInterface(r.value) : null;
    }) : null;
    return { manifest, entrypoint, interface: iface };
  }
}
