// Validating the tree of one template version: the same checks for a git push and a REST publish.
import { isMap } from 'yaml';
import { MANIFEST_FILE, validateManifest, type Manifest } from '../manifest';
import { checkHot, isHotRoot } from './hot';
import type { TreeInput, ValidationProblem } from './problem';
import { isYamlPath, parseYamlFile, problemAt, stringOf } from './yaml-files';

/** What validateTree found: every problem, and the manifest when heater.yaml is present and readable. */
export interface TreeVerdict {
  readonly problems: ValidationProblem[];
  readonly manifest: Manifest | null;
}

/**
 * Checks a version's tree and returns ALL its problems, sorted by file, line and column ([] when
 * it validates): YAML syntax and duplicate keys in every `*.yaml`/`*.yml`, heater.yaml against the
 * manifest schema, the manifest's entrypoint, and every Heat Orchestration Template. Pure and
 * synchronous; throws nothing. `opts.entrypoint` (a REST publish may name one) must then exist too.
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
  for (const path of [...input.texts.keys()].sort()) {
    // heater.yaml's own syntax errors come from validateManifest, under its rule ids.
    if (path === MANIFEST_FILE || !isYamlPath(path)) continue;
    const f = parseYamlFile(path, input.texts.get(path) ?? '');
    problems.push(...f.problems);
    if (f.isBroken) continue;
    for (const doc of f.docs) {
      if (!isHotRoot(doc.contents)) continue;
      // Heat loads a template with yaml.load, which refuses a stream of several documents.
      if (f.docs.length > 1) problems.push(problemAt(f, doc.contents, 'hot-section', 'A Heat template must be the only YAML document in its file.'));
      problems.push(...checkHot(f, doc, doc.contents, input.paths));
    }
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

function byPosition(a: ValidationProblem, b: ValidationProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
}
