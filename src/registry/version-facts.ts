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

/** Reads version facts from the repo; a tree always has the same facts, so they are kept (bounded). */
export class FactsReader {
  private readonly known = new Map<string, VersionFacts>();
  constructor(
    private readonly objects: Pick<ObjectReader, 'listTree' | 'readBlob'>,
    private readonly max = 4096,
    private readonly load: (text: string) => HeatYamlLoad = loadHeatYaml,
  ) {}

  /** The facts of the version whose root tree is `tree`. */
  async facts(gitDir: string, tree: string): Promise<VersionFacts> {
    const hit = this.known.get(tree);
    if (hit) return hit;
    const files = await this.objects.listTree(gitDir, tree);
    const text = async (p: string): Promise<string | null> => {
      const f = files.get(p);
      if (!f || f.mode === '120000' || f.mode === '160000' || f.size > MAX_YAML_BYTES) return null;
      return (await this.objects.readBlob(gitDir, f.oid)).toString('utf8');
    };
    const manifestText = await text(MANIFEST_FILE);
    const manifest = manifestText === null ? null : validateManifest(manifestText).manifest;
    const entrypoint = manifest?.entrypoint ?? 'template.yaml';
    const entryText = /\.ya?ml$/i.test(entrypoint) ? await text(entrypoint) : null;
    let doc: unknown = null;
    if (entryText !== null) { const r = this.load(entryText); doc = r.ok ? r.value : null; }
    const facts: VersionFacts = { manifest, entrypoint, interface: doc === null ? null : extractInterface(doc) };
    this.known.set(tree, facts);
    if (this.known.size > this.max) this.known.delete(this.known.keys().next().value as string);
    return facts;
  }
}
