// What uses what: the Heater templates a version's nested templates and environments point at, found by URL path shape.
import { loadHeatYaml, type HeatYamlLoad } from '../heat/yaml';
import { parseTemplateUrl, type UseKind } from '../registry/template-url';

/** One reference from a version to another Heater template. */
export interface TemplateUse {
  /** The template used, `ns/name`. */
  readonly template: string;
  /** The ref in the URL, decoded (`1.2.0`, `^1.2`, `stable`, `latest`). */
  readonly ref: string;
  readonly kind: UseKind;
  /** The file of this version that holds the reference. */
  readonly file: string;
  /** A resource's `type` (a nested template), or an environment's `resource_registry` entry. */
  readonly via: 'nested' | 'environment';
  /** The resource, or the registry key (`OS::Acme::Web`, `resources.web.OS::Nova::Server`). */
  readonly name: string;
  /** The file the URL names inside the used template. */
  readonly path: string;
}

/**
 * Every use of another Heater template in `texts` (a version's YAML files, by path): the string
 * `type` values anywhere under a HOT template's `resources` (nested templates, also inside a
 * ResourceGroup's `resource_def`), and every string value under an environment's
 * `resource_registry`. Pure; repeats (same template, ref, file, via and name) are listed once.
 * `load` reads each text (memoHeatYaml shares the reads with other work on the same texts).
 */
export function templateUses(texts: ReadonlyMap<string, string>, load: (text: string) => HeatYamlLoad = loadHeatYaml): TemplateUse[] {
  const out = new Map<string, TemplateUse>();
  const add = (file: string, via: TemplateUse['via'], name: string, value: string) => {
    const u = parseTemplateUrl(value);
    if (!u) return;
    const use: TemplateUse = { template: u.template, ref: u.ref, kind: u.kind, file, via, name, path: u.path };
    out.set(JSON.stringify([use.template, use.ref, file, via, name]), use);
  };
  for (const [file, text] of [...texts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!mayHoldUse(text)) continue;
    const r = load(text);
    if (!r.ok || !isObject(r.value)) continue;
    const doc = r.value;
    if ('heat_template_version' in doc && isObject(doc.resources)) {
      for (const [name, res] of Object.entries(doc.resources)) walkTypes(res, (v) => add(file, 'nested', name, v));
    }
    if (isObject(doc.resource_registry)) walkStrings(doc.resource_registry, '', (key, v) => add(file, 'environment', key, v));
  }
  return [...out.values()];
}

// Every use is a file URL, and a YAML value holds that URL's `/api/v1/templates/` only if the text
// does, unless an escape (double-quoted `\/`, `\x2F`, a `\` line join) spells part of it: a text with
// neither cannot hold a use and is not parsed.
const URL_MARK = /\/api\/v1\/templates\//i;
function mayHoldUse(text: string): boolean {
  return URL_MARK.test(text) || text.includes('\\');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Nesting deeper than this is not a template anyone writes; it bounds the walk of a hostile file.
const MAX_DEPTH = 32;

function walkTypes(v: unknown, found: (value: string) => void, depth = 0): void {
  if (depth > MAX_DEPTH || typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'type' && typeof x === 'string') found(x); else walkTypes(x, found, depth + 1);
  }
}

function walkStrings(v: unknown, key: string, found: (key: string, value: string) => void, depth = 0): void {
  if (typeof v === 'string') { found(key, v); return; }
  if (depth > MAX_DEPTH || !isObject(v)) return;
  for (const [k, x] of Object.entries(v)) walkStrings(x, key ? `${key}.${k}` : k, found, depth + 1);
}
