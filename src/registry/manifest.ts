// The template manifest `heater.yaml`: its JSON Schema (checked by json-schema.ts) and the parsed Manifest.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { ValidationProblem } from './validate/problem';
import { article, assertSupported, deepFreeze, firstEqual, isPlainObject, jsonType, typeOf, validateJson, type JsonSchema, type SchemaViolation } from './json-schema';

/** Where the manifest sits in a template version. */
export const MANIFEST_FILE = 'heater.yaml';

export { validateJson, type JsonSchema, type SchemaViolation } from './json-schema';

/** One author of a template. `name` is required; `email` and `url` are present only when given. */
export interface ManifestAuthor {
  readonly name: string;
  readonly email?: string;
  readonly url?: string;
}

/**
 * The manifest with defaults applied. Fields that break the schema are dropped to their default,
 * and lists and maps keep only their valid entries, so a listing can show something for a
 * template whose manifest has problems.
 */
export interface Manifest {
  readonly description: string;
  readonly keywords: string[];
  readonly metadata: Record<string, string>;
  readonly entrypoint: string;
  readonly icon: string | null;
  readonly authors: ManifestAuthor[];
  readonly license: string | null;
  readonly homepage: string | null;
}

// A path inside the repo: "/"-separated names, none of them "." or "..", no leading "/", no
// backslash, no control characters, and no ":" so that a path can never read as a URL scheme.
const REPO_PATH = String.raw`^(?!\.{1,2}(?:/|$))(?!.*/\.{1,2}(?:/|$))[^/\\:\x00-\x1f]+(?:/[^/\\:\x00-\x1f]+)*$`;
const REPO_PATH_TITLE = 'a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")';
const KEYWORD = '^[a-z0-9-]{1,64}$';
// An SPDX identifier, or a flat expression of them (`MIT OR Apache-2.0`); parentheses are not accepted.
const SPDX = '^[A-Za-z0-9][A-Za-z0-9.+-]*(?: (?:AND|OR|WITH) [A-Za-z0-9][A-Za-z0-9.+-]*)*$';
const EMAIL = String.raw`^[^\s@]+@[^\s@]+\.[^\s@]+$`;
// Browsers and proxies commonly cap URLs near 2 KB; longer ones are not links a person pastes.
const URL_MAX = 2048;
// "Name" or "Name <email>", the form git and npm use for people
const AUTHOR = String.raw`^[^<>\x00-\x1f]{1,128}(?: <[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>)?$`;

/** The manifest schema, defined once: the validator reads it and docs/heater-manifest.schema.json is generated from it. */
export const MANIFEST_SCHEMA: JsonSchema = deepFreeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:heater:schema:manifest',
  title: 'Heater template manifest (heater.yaml)',
  description: 'Optional file at the root of a template version that describes the template for listings and names its entrypoint. Every field is optional; unknown fields are refused so that typos are caught. Heater asserts `format: uri` and accepts only http and https URLs.',
  type: 'object',
  additionalProperties: false,
  properties: {
    description: {
      description: 'What the template deploys, in a sentence or a short paragraph.',
      type: 'string',
      maxLength: 1024,
      default: '',
    },
    keywords: {
      description: 'Search terms: lower-case letters, digits and "-", 1 to 64 characters each, at most 20, no repeats.',
      type: 'array',
      maxItems: 20,
      uniqueItems: true,
      items: { type: 'string', pattern: KEYWORD },
      default: [],
    },
    metadata: {
      description: 'Free-form string labels for tools (team, cost centre, support tier...): at most 64 entries, keys 1 to 128 characters, values at most 1024 characters.',
      type: 'object',
      maxProperties: 64,
      propertyNames: { minLength: 1, maxLength: 128 },
      additionalProperties: { type: 'string', maxLength: 1024 },
      default: {},
    },
    entrypoint: {
      title: REPO_PATH_TITLE,
      description: 'The Heat Orchestration Template to launch, as a path relative to the template root.',
      type: 'string',
      maxLength: 1024,
      pattern: REPO_PATH,
      default: 'template.yaml',
    },
    icon: {
      description: 'An image for listings: a path relative to the template root, or an http(s) URL.',
      type: 'string',
      maxLength: URL_MAX,
      anyOf: [
        { title: 'an http(s) URL', format: 'uri' },
        { title: REPO_PATH_TITLE, pattern: REPO_PATH },
      ],
    },
    authors: {
      description: 'Who maintains the template: at most 50 people or teams, each either a "Name <email>" string or a mapping with a name and optionally an email and a url.',
      type: 'array',
      maxItems: 50,
      items: {
        anyOf: [
          { title: 'a "Name <email>" string', type: 'string', minLength: 1, maxLength: 384, pattern: AUTHOR },
          {
            title: 'a mapping with a name, and optionally an email and a url',
            type: 'object',
            additionalProperties: false,
            required: ['name'],
            properties: {
              name: { description: 'A person or a team.', type: 'string', minLength: 1, maxLength: 128 },
              email: { title: 'an email address', description: 'A contact address.', type: 'string', maxLength: 254, pattern: EMAIL },
              url: { description: 'A profile or team page (http or https).', type: 'string', maxLength: URL_MAX, format: 'uri' },
            },
          },
        ],
      },
      default: [],
    },
    license: {
      title: 'an SPDX license identifier or a flat SPDX expression (e.g. "MIT OR Apache-2.0")',
      description: 'An SPDX license identifier such as "Apache-2.0", or a flat SPDX expression such as "MIT OR Apache-2.0".',
      type: 'string',
      maxLength: 64,
      pattern: SPDX,
    },
    homepage: {
      description: 'Where people read more about the template (http or https).',
      type: 'string',
      maxLength: URL_MAX,
      format: 'uri',
    },
  },
});

// The schema and the validator cannot drift: a keyword the validator lacks fails at load.
assertSupported(MANIFEST_SCHEMA);

// ---- heater.yaml: YAML with positions, the schema, and a salvaged Manifest ----

// A manifest that breaks every rule at once is not worth more lines than this on a push.
const MAX_PROBLEMS = 100;

/**
 * Parses and checks a manifest. Returns every problem, sorted by position: rule `manifest-syntax`
 * for YAML errors, `manifest-schema` for schema violations and for a document that is not a
 * mapping. `manifest` is null only when the text does not parse or is not a mapping; otherwise it
 * is the manifest with defaults applied and invalid fields dropped (see Manifest). An empty file,
 * or one with only comments, is an empty manifest. Throws nothing.
 */
export function validateManifest(text: string, file = MANIFEST_FILE): { manifest: Manifest | null; problems: ValidationProblem[] } {
  const lineCounter = new LineCounter();
  // logLevel 'error', not 'silent': silent also drops the error for a second document
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error', uniqueKeys: true });
  const problem = (offset: number | undefined, rule: string, message: string): ValidationProblem => {
    if (offset === undefined) return { file, rule, message };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, rule, message };
  };
  if (doc.errors.length > 0) {
    return { manifest: null, problems: cap(doc.errors.map((e) => problem(e.pos[0], 'manifest-syntax', `Invalid YAML: ${e.message}`))) };
  }
  let value: unknown;
  try {
    value = doc.contents === null ? {} : doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { manifest: null, problems: [problem(0, 'manifest-syntax', `Invalid YAML: ${e instanceof Error ? e.message : String(e)}`)] };
  }
  if (!isPlainObject(value)) {
    return { manifest: null, problems: [problem(doc.contents?.range?.[0], 'manifest-schema', `${file} must be a mapping of fields (it is ${article(typeOf(value))})`)] };
  }
  const problems = validateJson(MANIFEST_SCHEMA, value).map((v) => problem(offsetOf(doc, v), 'manifest-schema', v.message));
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { manifest: toManifest(value), problems: cap(problems) };
}

function cap(problems: ValidationProblem[]): ValidationProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const first = problems[0];
  return [...problems.slice(0, MAX_PROBLEMS), { file: first?.file ?? MANIFEST_FILE, rule: first?.rule ?? 'manifest-schema', message: `${problems.length - MAX_PROBLEMS} more problems not shown` }];
}

/** The offset of the YAML node a violation is about: its key, its value, or the nearest ancestor found. */
function offsetOf(doc: Document, v: SchemaViolation): number | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const [i, part] of v.path.entries()) {
    const last = i === v.path.length - 1;
    let next: unknown;
    if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
      keyNode = undefined;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(part));
      if (!pair) break;
      keyNode = pair.key;
      if (last && v.onKey) return rangeStart(pair.key);
      next = pair.value;
    }
    if (next === undefined || next === null) return rangeStart(keyNode) ?? rangeStart(node);
    node = next;
  }
  // `key:` with nothing after it is an empty null scalar that sits after the line; point at the key
  if (isScalar(node) && node.range && node.range[0] === node.range[1] && keyNode) return rangeStart(keyNode);
  return rangeStart(node) ?? 0;
}

function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  return key.value === null ? '' : String(key.value);
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

/** An author as a mapping, whichever form the manifest used. */
function toAuthor(a: string | ManifestAuthor): ManifestAuthor {
  if (typeof a !== 'string') return a;
  const m = /^(.*?) <([^>]+)>$/.exec(a);
  return m ? { name: (m[1] ?? '').trim(), email: m[2] ?? '' } : { name: a.trim() };
}

function toManifest(value: Record<string, unknown>): Manifest {
  const v = (salvage(MANIFEST_SCHEMA, value) ?? {}) as Record<string, unknown>;
  // salvage() keeps only what the schema accepts, so each field has the schema's shape or is absent
  return {
    description: (v.description as string | undefined) ?? '',
    keywords: (v.keywords as string[] | undefined) ?? [],
    metadata: (v.metadata as Record<string, string> | undefined) ?? {},
    entrypoint: (v.entrypoint as string | undefined) ?? 'template.yaml',
    icon: (v.icon as string | undefined) ?? null,
    authors: ((v.authors as (string | ManifestAuthor)[] | undefined) ?? []).map(toAuthor),
    license: (v.license as string | undefined) ?? null,
    homepage: (v.homepage as string | undefined) ?? null,
  };
}

/**
 * The largest part of `value` that `schema` accepts: invalid list items and map entries are
 * dropped, lists and maps cut to their maximum size, repeats removed; undefined when nothing fits.
 */
function salvage(schema: JsonSchema, value: unknown): unknown {
  if (validateJson(schema, value).length === 0) return value;
  if (Array.isArray(schema.anyOf)) {
    // salvage against the one branch of the value's type, as the anyOf check reports against it
    const typed = (schema.anyOf as JsonSchema[]).filter((b) => b.type === jsonType(value));
    return typed.length === 1 && typed[0] ? salvage(typed[0], value) : undefined;
  }
  let result: unknown;
  if (schema.type === 'array' && Array.isArray(value) && isPlainObject(schema.items)) {
    const items = schema.items;
    let kept = value.map((x) => salvage(items, x)).filter((x) => x !== undefined);
    if (schema.uniqueItems === true) { const first = firstEqual(kept); kept = kept.filter((_, i) => first[i] === i); }
    result = typeof schema.maxItems === 'number' ? kept.slice(0, schema.maxItems) : kept;
  } else if (schema.type === 'object' && isPlainObject(value)) {
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const names = isPlainObject(schema.propertyNames) ? schema.propertyNames : undefined;
    let kept: [string, unknown][] = [];
    for (const [k, x] of Object.entries(value)) {
      if (names && validateJson(names, k).length > 0) continue;
      const sub = Object.hasOwn(props, k) ? props[k] : schema.additionalProperties;
      if (sub === false) continue;
      const fixed = isPlainObject(sub) ? salvage(sub, x) : x;
      if (fixed !== undefined) kept.push([k, fixed]);
    }
    if (typeof schema.maxProperties === 'number') kept = kept.slice(0, schema.maxProperties);
    result = Object.fromEntries(kept); // defines own properties, so a "__proto__" key stays data
  } else {
    return undefined;
  }
  return validateJson(schema, result).length === 0 ? result : undefined;
}
