// Validating the tree of one template version: the same checks for a git push and a REST publish.
import { isMap, isScalar } from 'yaml';
import { MANIFEST_FILE, validateManifest, type Manifest } from '../manifest';
import { checkHot, isHotRoot, type HotContext, type NestedInterface } from './hot';
import type { TreeInput, ValidationProblem } from './problem';
import { isYamlPath, parseYamlFile, problemAt, stringOf, type YamlFile } from './yaml-files';

/** What validateTree found: every problem, and the manifest when heater.yaml is present and readable. */
export interface TreeVerdict {
  readonly problems: ValidationProblem[];
  readonly manifest: Manifest | null;
}

// A file Heat parses as a template or an environment says so on a line of its own; one that does not
// parse is recognised by that line (an Ansible vars file or a cloud-init snippet has neither).
const HOT_LINE = /^heat_template_version\s*:/m;
const ENVIRONMENT_LINE = /^(?:resource_registry|parameter_defaults|event_sinks|encrypted_param_names|parameter_merge_strategies)\s*:/m;
// `parameters:` alone is an environment's only when the file is named like one (env.yaml, environments/…)
const ENVIRONMENT_PARAMETERS = /^parameters\s*:/m;
const ENVIRONMENT_NAME = /(?:^|\/|[_.-])env(?:ironments?)?(?:[_.\/-]|$)/i;

/** True when a YAML file that does not parse would be read by Heat: a template or an environment, by its own lines. */
function isHeatFile(path: string, text: string): boolean {
  return HOT_LINE.test(text) || ENVIRONMENT_LINE.test(text) || (ENVIRONMENT_PARAMETERS.test(text) && ENVIRONMENT_NAME.test(path));
}

/**
 * Checks a version's tree and returns ALL its problems, sorted by file, line and column ([] when
 * it validates; warnings never refuse, see ValidationProblem.severity): YAML as Heat parses it,
 * heater.yaml against the manifest schema, the manifest's entrypoint, and every Heat Orchestration
 * Template. Only files Heat parses must parse: the entrypoint, templates, nested templates and
 * environments; any other YAML (a `get_file` payload is a string to Heat) that does not parse is a
 * warning. Pure and synchronous; throws nothing. `opts.entrypoint` (a REST publish may name one) must then exist too.
 */
export function validateTree(input: TreeInput, opts: { entrypoint?: string } = {}): TreeVerdict {
  const problems: ValidationProblem[] = [];
  let manifest: Manifest | null = null;
  const manifestText = input.texts.get(MANIFEST_FILE);
  if (manifestText !== undefined) {
    const checked = validateManifest(manifestText, MANIFEST_FILE);
    manifest = checked.manifest;
    problems.push(...checked.problems);
  }
  const parsedAsHeat = new Set<string>([opts.entrypoint ?? manifest?.entrypoint ?? 'template.yaml']);
  const broken: YamlFile[] = [];
  // each YAML file is parsed once, whether the loop below or a template nesting it reaches it first
  const parsed = new Map<string, YamlFile>();
  const parse = (path: string, text: string): YamlFile => {
    let f = parsed.get(path);
    if (!f) { f = parseYamlFile(path, text); parsed.set(path, f); }
    return f;
  };
  const ctx: HotContext = { input, nested: nestedInterfaces(input, parse) };
  for (const path of [...input.texts.keys()].sort()) {
    // heater.yaml's own syntax errors come from validateManifest, under its rule ids.
    if (path === MANIFEST_FILE || !isYamlPath(path)) continue;
    const text = input.texts.get(path) ?? '';
    const f = parse(path, text);
    problems.push(...f.warnings);
    if (f.isBroken) {
      if (isHeatFile(path, text)) parsedAsHeat.add(path);
      broken.push(f);
      continue;
    }
    for (const doc of f.docs) {
      if (!isHotRoot(doc.contents)) continue;
      // Heat loads a template with yaml.load, which refuses a stream of several documents.
      if (f.docs.length > 1) problems.push(problemAt(f, doc.contents, 'hot-section', 'A Heat template must be the only YAML document in its file.'));
      const checked = checkHot(f, doc, doc.contents, ctx);
      problems.push(...checked.problems);
      for (const nested of checked.nested) parsedAsHeat.add(nested);
    }
  }
  for (const f of broken) {
    if (parsedAsHeat.has(f.file)) { problems.push(...f.problems); continue; }
    const first = f.problems[0];
    if (first) problems.push({ ...first, severity: 'warning', message: `${first.message} Heat never parses this file (it is not a template, nested template or environment; a get_file payload is a string), so the version is not refused.` });
  }
  problems.push(...checkEntrypoint(input, manifestText, manifest, opts.entrypoint));
  return { problems: problems.sort(byPosition), manifest };
}

/**
 * The entrypoint must exist when a manifest or the caller names one (heater.yaml without an
 * entrypoint means template.yaml). A tree with neither heater.yaml nor an entrypoint asked for is
 * not required to hold any template: a version may carry any YAML or text, so nothing is checked.
 */
function checkEntrypoint(input: TreeInput, manifestText: string | undefined, manifest: Manifest | null, asked: string | undefined): ValidationProblem[] {
  if (asked !== undefined) {
    if (input.paths.has(asked)) return [];
    return [{ file: asked, rule: 'entrypoint-missing', message: `The entrypoint ${asked} is not a file of this version.` }];
  }
  if (manifestText === undefined || manifest === null || input.paths.has(manifest.entrypoint)) return [];
  // Locate the `entrypoint:` value; when heater.yaml wrote one the schema refused, the manifest
  // fell back to the default and that problem is already reported under the manifest's rule.
  const f = parseYamlFile(MANIFEST_FILE, manifestText);
  const root = f.docs[0]?.contents;
  const node = isMap(root) ? root.get('entrypoint', true) : undefined;
  if (node !== undefined && stringOf(node) !== manifest.entrypoint) return [];
  const message = node === undefined
    ? `heater.yaml names no entrypoint, so it is ${manifest.entrypoint}, which is not a file of this version; add it or set entrypoint.`
    : `The entrypoint ${manifest.entrypoint} is not a file of this version.`;
  return [problemAt(f, node, 'entrypoint-missing', message)];
}

/** Reads the parameters of the version's nested templates on demand (each file parsed once). */
function nestedInterfaces(input: TreeInput, parse: (path: string, text: string) => YamlFile): (path: string) => NestedInterface | null {
  const known = new Map<string, NestedInterface | null>();
  return (path) => {
    if (known.has(path)) return known.get(path) ?? null;
    let found: NestedInterface | null = null;
    const text = input.texts.get(path);
    const f = text === undefined ? null : parse(path, text);
    const root = f && !f.isBroken && f.docs.length === 1 ? f.docs[0]?.contents : undefined;
    if (isHotRoot(root)) {
      const parameters = new Map<string, boolean>();
      const section = root.get('parameters', true);
      if (isMap(section)) {
        for (const pair of section.items) {
          const name = stringOf(pair.key);
          if (name === null) continue;
          const def = pair.value;
          const fallback = isMap(def) ? def.get('default', true) : undefined;
          parameters.set(name, fallback === undefined || (isScalar(fallback) && fallback.value === null));
        }
      }
      found = { parameters };
    }
    known.set(path, found);
    return found;
  };
}

function byPosition(a: ValidationProblem, b: ValidationProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
