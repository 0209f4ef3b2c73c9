// heater.yaml: the schema and its generated JSON file, validateManifest's problems, and the salvaged Manifest.
//
// After changing MANIFEST_SCHEMA, regenerate docs/heater-manifest.schema.json with:
//   HEATER_WRITE_SCHEMA=1 npx jest test/registry/manifest.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_SCHEMA, validateJson, validateManifest, type JsonSchema, type Manifest } from '../../src/registry/manifest';

const SCHEMA_FILE = path.join(__dirname, '../../docs/heater-manifest.schema.json');

const DEFAULTS: Manifest = {
  description: '', keywords: [], metadata: {}, entrypoint: 'template.yaml', icon: null, authors: [], license: null, homepage: null,
};

describe('the schema', () => {
  test('docs/heater-manifest.schema.json is generated from MANIFEST_SCHEMA', () => {
    const generated = JSON.stringify(MANIFEST_SCHEMA, null, 2) + '\n';
    if (process.env.HEATER_WRITE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, generated);
    const onDisk = readFileSync(SCHEMA_FILE, 'utf8');
    if (onDisk !== generated) {
      throw new Error(`${SCHEMA_FILE} is out of date; regenerate it with: HEATER_WRITE_SCHEMA=1 npx jest test/registry/manifest.test.ts`);
    }
  });

  test('is a draft 2020-12 schema with an id, a title and a description for every field', () => {
    expect(MANIFEST_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(MANIFEST_SCHEMA.$id).toBe('urn:heater:schema:manifest');
    expect(typeof MANIFEST_SCHEMA.title).toBe('string');
    expect(MANIFEST_SCHEMA.additionalProperties).toBe(false);
    const props = MANIFEST_SCHEMA.properties as Record<string, JsonSchema>;
    expect(Object.keys(props)).toEqual(['description', 'keywords', 'metadata', 'entrypoint', 'icon', 'authors', 'license', 'homepage']);
    const branches = (props.authors?.items as JsonSchema).anyOf as JsonSchema[];
    const author = branches.find((b) => b.type === 'object')?.properties as Record<string, JsonSchema>;
    for (const field of [...Object.values(props), ...Object.values(author)]) expect(typeof field.description).toBe('string');
  });

  test('its defaults are the defaults of an empty manifest', () => {
    const props = MANIFEST_SCHEMA.properties as Record<string, JsonSchema>;
    const { manifest } = validateManifest('{}');
    for (const [name, field] of Object.entries(props)) {
      expect(manifest?.[name as keyof Manifest]).toEqual('default' in field ? field.default : null);
    }
  });

  test('is frozen', () => {
    expect(Object.isFrozen(MANIFEST_SCHEMA)).toBe(true);
    expect(Object.isFrozen(MANIFEST_SCHEMA.properties)).toBe(true);
  });

  test.each<[string, JsonSchema]>([
    ['a keyword it does not implement', { type: 'number', minimum: 1 }],
    ['one deep in a subschema', { properties: { a: { items: { oneOf: [] } } } }],
    ['one under propertyNames', { propertyNames: { format: 'uri', const: 'x' } }],
    ['one in an anyOf branch', { anyOf: [{ pattern: 'a' }, { enum: ['b'] }] }],
    ['a type it does not know', { type: 'date' }],
    ['a list of types', { type: ['string', 'null'] }],
    ['a format other than uri', { format: 'email' }],
    ['a pattern that does not compile', { pattern: '(' }],
  ])('the validator refuses a schema with %s', (_, schema) => {
    expect(() => validateJson(schema, 'x')).toThrow(Error);
  });
});

describe('validateManifest', () => {
  test.each([['{}'], [''], ['# nothing yet\n'], ['{}\n# trailing comment\n']])('%j is a valid, empty manifest', (text) => {
    expect(validateManifest(text)).toEqual({ manifest: DEFAULTS, problems: [] });
  });

  test('a full manifest is read as written', () => {
    const text = `description: A web server with a data volume.
keywords: [web, nginx, block-storage]
metadata:
  team: platform
  cost-centre: "4711"
  support tier: gold
entrypoint: hot/main.yaml
icon: https://example.com/icons/web.png
authors:
  - name: Platform team
    email: platform@example.com
    url: https://example.com/teams/platform
  - name: Jane Doe
license: Apache-2.0
homepage: https://example.com/templates/web
`;
    expect(validateManifest(text)).toEqual({
      problems: [],
      manifest: {
        description: 'A web server with a data volume.',
        keywords: ['web', 'nginx', 'block-storage'],
        metadata: { team: 'platform', 'cost-centre': '4711', 'support tier': 'gold' },
        entrypoint: 'hot/main.yaml',
        icon: 'https://example.com/icons/web.png',
        authors: [
          { name: 'Platform team', email: 'platform@example.com', url: 'https://example.com/teams/platform' },
          { name: 'Jane Doe' },
        ],
        license: 'Apache-2.0',
        homepage: 'https://example.com/templates/web',
      },
    });
  });

  test.each([
    ['icon', 'icon: images/icon.svg'],
    ['icon', 'icon: http://example.com/i.png'],
    ['license', 'license: MIT OR Apache-2.0'],
    ['license', 'license: LicenseRef-acme-1.0'],
    ['entrypoint', 'entrypoint: a/b.c/template..v2.yaml'],
    ['metadata', `metadata: { "${'k'.repeat(128)}": "${'v'.repeat(1024)}" }`],
    ['keywords', `keywords: [${Array.from({ length: 20 }, (_, i) => `k${i}`).join(', ')}]`],
  ])('%s accepts %s', (_, text) => {
    expect(validateManifest(text).problems).toEqual([]);
  });

  // [what, a line of heater.yaml, the message, the text the problem points at]
  const wrong: [string, string, string, string][] = [
    ['description too long', `description: ${'d'.repeat(1025)}`, 'description may be at most 1024 characters long (it has 1025)', 'ddd'],
    ['description a list', 'description: [a, b]', 'description must be a string (it is a list)', '['],
    ['description empty (null)', 'description:', 'description must be a string (it is null)', 'description'],
    ['keywords a string', 'keywords: web', 'keywords must be a list (it is a string)', 'web'],
    ['keyword with capitals', 'keywords: [web, Db, cache]', 'keywords[1] must match ^[a-z0-9-]{1,64}$', 'Db'],
    ['keyword too long', `keywords: [${'k'.repeat(65)}]`, 'keywords[0] must match ^[a-z0-9-]{1,64}$', 'kkk'],
    ['keyword empty', 'keywords: [web, ""]', 'keywords[1] must match ^[a-z0-9-]{1,64}$', '""'],
    ['keyword a number', 'keywords: [web, 42]', 'keywords[1] must be a string (it is a number)', '42'],
    ['keyword repeated', 'keywords: [web, db, web]', 'keywords[2] repeats keywords[0]; items must be unique', 'web]'],
    ['too many keywords', `keywords: [${Array.from({ length: 21 }, (_, i) => `k${i}`).join(', ')}]`, 'keywords may have at most 20 items (it has 21)', '['],
    ['metadata a list', 'metadata: [team]', 'metadata must be a mapping (it is a list)', '['],
    ['metadata value a number', 'metadata: { team: platform, tier: 2 }', 'metadata.tier must be a string (it is a number)', '2'],
    ['metadata value too long', `metadata: { notes: ${'n'.repeat(1025)} }`, 'metadata.notes may be at most 1024 characters long (it has 1025)', 'nnn'],
    ['metadata key too long', `metadata: { ${'k'.repeat(129)}: x }`, `key "${'k'.repeat(129)}" of metadata may be at most 128 characters long (it has 129)`, 'kkk'],
    ['metadata key empty', 'metadata: { "": x }', 'key "" of metadata must be at least 1 character long', '""'],
    ['too many metadata entries', `metadata: { ${Array.from({ length: 65 }, (_, i) => `k${i}: v`).join(', ')} }`, 'metadata may have at most 64 entries (it has 65)', '{'],
    ['entrypoint climbing out', 'entrypoint: ../other/template.yaml', 'entrypoint must be a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', '../'],
    ['entrypoint climbing in the middle', 'entrypoint: hot/../../x.yaml', 'entrypoint must be a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', 'hot'],
    ['entrypoint absolute', 'entrypoint: /etc/passwd', 'entrypoint must be a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', '/etc'],
    ['entrypoint with an empty name', 'entrypoint: hot//main.yaml', 'entrypoint must be a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', 'hot'],
    ['entrypoint a number', 'entrypoint: 3', 'entrypoint must be a string (it is a number)', '3'],
    ['icon on ftp', 'icon: ftp://example.com/icon.png', 'icon must be an http(s) URL or a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', 'ftp'],
    ['icon a javascript: URL', 'icon: "javascript:alert(1)"', 'icon must be an http(s) URL or a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', '"java'],
    ['icon outside the template', 'icon: ../shared/icon.png', 'icon must be an http(s) URL or a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")', '../'],
    ['authors a string', 'authors: Jane Doe', 'authors must be a list (it is a string)', 'Jane'],
    ['author a string that is not "Name <email>"', 'authors: ["Jane <not-an-address>"]', 'authors[0] must be a "Name <email>" string', '"Jane'],
    ['author a number', 'authors: [7]', 'authors[0] must be a "Name <email>" string or a mapping with a name, and optionally an email and a url', '7'],
    ['author without a name', 'authors: [{ email: jane@example.com }]', 'authors[0].name is required', '{ email'],
    ['author with an empty name', 'authors: [{ name: "" }]', 'authors[0].name must be at least 1 character long', '""'],
    ['author email not an address', 'authors: [{ name: Jane, email: jane-at-example }]', 'authors[0].email must be an email address', 'jane-at'],
    ['author url not http', 'authors: [{ name: Jane, url: "mailto:jane@example.com" }]', 'authors[0].url must be an http or https URL', '"mailto'],
    ['author with an unknown key', 'authors: [{ name: Jane, mail: jane@example.com }]', 'authors[0].mail is not an allowed key (did you mean email?); the keys are name, email, url', 'mail:'],
    ['license with prose', 'license: MIT license', 'license must be an SPDX license identifier or a flat SPDX expression (e.g. "MIT OR Apache-2.0")', 'MIT'],
    ['license too long', `license: ${'L'.repeat(65)}`, 'license may be at most 64 characters long (it has 65)', 'LLL'],
    ['homepage without a scheme', 'homepage: example.com/web', 'homepage must be an http or https URL', 'example'],
    ['homepage with one slash', 'homepage: "http:/example.com"', 'homepage must be an http or https URL', '"http'],
    ['homepage a boolean', 'homepage: true', 'homepage must be a string (it is a boolean)', 'true'],
    ['an unknown key', 'desription: A web server', 'desription is not an allowed key (did you mean description?); the keys are description, keywords, metadata, entrypoint, icon, authors, license, homepage', 'desription'],
    ['an unknown key nothing like a field', 'owner: platform', 'owner is not an allowed key; the keys are description, keywords, metadata, entrypoint, icon, authors, license, homepage', 'owner'],
  ];

  test.each(wrong)('%s', (_, line, message, at) => {
    const text = `# heater.yaml\n${line}\n`;
    const { manifest, problems } = validateManifest(text);
    expect(problems).toEqual([{ file: 'heater.yaml', line: 2, column: line.indexOf(at) + 1, rule: 'manifest-schema', message }]);
    expect(manifest).not.toBeNull();
  });

  test('an unknown key is reported at the key, with the file name the caller gave', () => {
    const text = 'description: Web\n\nlicence: MIT\n';
    expect(validateManifest(text, 'templates/web/heater.yaml').problems).toEqual([{
      file: 'templates/web/heater.yaml', line: 3, column: 1, rule: 'manifest-schema',
      message: 'licence is not an allowed key (did you mean license?); the keys are description, keywords, metadata, entrypoint, icon, authors, license, homepage',
    }]);
  });

  test.each([
    // yaml reports where it finds the list unclosed: the next key
    ['an unclosed flow list', 'description: Web\nkeywords: [web, db\nlicense: MIT\n', 3],
    ['a repeated key', 'description: Web\nlicense: MIT\nlicense: Apache-2.0\n', 3],
    ['a bad indent', 'authors:\n  - name: Jane\n   email: jane@example.com\n', 3],
    ['two documents', 'description: one\n---\ndescription: two\n', 2],
  ])('a YAML syntax error (%s) is reported at its line, with no manifest', (_, text, line) => {
    const { manifest, problems } = validateManifest(text);
    expect(manifest).toBeNull();
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p).toEqual({ file: 'heater.yaml', line: expect.any(Number), column: expect.any(Number), rule: 'manifest-syntax', message: expect.stringMatching(/^Invalid YAML: \S/) });
      expect(p.message).not.toMatch(/\n/);
    }
    expect(problems[0]?.line).toBe(line);
  });

  test('a repeated key points at the second occurrence', () => {
    expect(validateManifest('description: Web\nlicense: MIT\n  # note\nlicense: Apache-2.0\n').problems).toEqual([
      { file: 'heater.yaml', line: 4, column: 1, rule: 'manifest-syntax', message: 'Invalid YAML: Map keys must be unique' },
    ]);
  });

  test.each([
    ['a list', '- description: Web\n', 'a list'],
    ['a string', 'just some text\n', 'a string'],
    ['a number', '42\n', 'a number'],
    ['null', '# nothing but\n~\n', 'null'],
  ])('a document that is %s has no manifest', (_, text, what) => {
    const { manifest, problems } = validateManifest(text);
    expect(manifest).toBeNull();
    expect(problems).toEqual([{ file: 'heater.yaml', line: text.startsWith('#') ? 2 : 1, column: 1, rule: 'manifest-schema', message: `heater.yaml must be a mapping of fields (it is ${what})` }]);
  });

  test('every problem is reported at once, in document order, and the valid parts are kept', () => {
    const text = [
      '# Heater manifest for the web template', // 1
      'description: A web server', //              2
      'keywords:', //                              3
      '  - web', //                                4
      '  - Not_A_Keyword', //                      5
      '  - db', //                                 6
      '  - web', //                                7
      'metadata:', //                              8
      '  team: platform', //                       9
      '  tier: 2', //                              10
      'authors:', //                               11
      '  - name: Jane Doe', //                     12
      '    email: jane@', //                       13
      '  - email: nobody@example.com', //          14
      'homepage: ftp://example.com', //            15
      'license: Apache-2.0', //                    16
      'entrypoint: /template.yaml', //             17
      'colour: blue', //                           18
    ].join('\n') + '\n';
    const { manifest, problems } = validateManifest(text);
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [5, 5, 'keywords[1] must match ^[a-z0-9-]{1,64}$'],
      [7, 5, 'keywords[3] repeats keywords[0]; items must be unique'],
      [10, 9, 'metadata.tier must be a string (it is a number)'],
      [13, 12, 'authors[0].email must be an email address'],
      [14, 5, 'authors[1].name is required'],
      [15, 11, 'homepage must be an http or https URL'],
      [17, 13, 'entrypoint must be a path relative to the template root ("/"-separated, no "." or ".." names, no leading "/", no ":" or "\\")'],
      [18, 1, 'colour is not an allowed key; the keys are description, keywords, metadata, entrypoint, icon, authors, license, homepage'],
    ]);
    expect(problems.every((p) => p.rule === 'manifest-schema' && p.file === 'heater.yaml')).toBe(true);
    expect(manifest).toEqual({
      ...DEFAULTS,
      description: 'A web server',
      keywords: ['web', 'db'],
      metadata: { team: 'platform' },
      authors: [{ name: 'Jane Doe' }],
      license: 'Apache-2.0',
    });
  });

  test('line and column follow the node through block and flow styles', () => {
    const text = 'metadata:\n  a: ok\n  nested:\n    deeper: x\nauthors:\n\n  - { name: A }\n  -\n    name: B\n    url:   "gopher://x"\n';
    expect(validateManifest(text).problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [4, 5, 'metadata.nested must be a string (it is a mapping)'],
      [10, 12, 'authors[1].url must be an http or https URL'],
    ]);
  });

  test('lists and maps are cut to their limits in the salvaged manifest', () => {
    const keywords = Array.from({ length: 25 }, (_, i) => `k${i}`);
    const metadata = Array.from({ length: 70 }, (_, i) => `m${i}: v`).join(', ');
    const { manifest, problems } = validateManifest(`keywords: [${keywords.join(', ')}]\nmetadata: { ${metadata} }\n`);
    expect(problems.map((p) => p.message)).toEqual(['keywords may have at most 20 items (it has 25)', 'metadata may have at most 64 entries (it has 70)']);
    expect(manifest?.keywords).toEqual(keywords.slice(0, 20));
    expect(Object.keys(manifest?.metadata ?? {})).toHaveLength(64);
  });

  test('a "__proto__" key in metadata is data, not a prototype', () => {
    const { manifest, problems } = validateManifest('metadata:\n  __proto__: x\n  constructor: y\n');
    expect(problems).toEqual([]);
    expect(Object.getPrototypeOf(manifest?.metadata)).toBe(Object.prototype);
    expect(Object.entries(manifest?.metadata ?? {})).toEqual([['__proto__', 'x'], ['constructor', 'y']]);
  });

  test('aliases are expanded, and a cycle through them is a schema problem, not a crash', () => {
    expect(validateManifest('keywords: &k [a, b]\nmetadata: { k: *k }\n').problems.map((p) => p.message)).toEqual(['metadata.k must be a string (it is a list)']);
    expect(validateManifest('keywords: &k [a, *k]\n').problems.map((p) => p.message)).toEqual(['keywords[1] must be a string (it is a list)']);
  });

  test('a manifest with thousands of problems reports the first 100 and a count', () => {
    // 500 keywords break the limit once and the pattern 500 times
    const text = `keywords: [${Array.from({ length: 500 }, (_, i) => `X${i}`).join(', ')}]\n`;
    const { problems } = validateManifest(text);
    expect(problems).toHaveLength(101);
    expect(problems[100]).toEqual({ file: 'heater.yaml', rule: 'manifest-schema', message: '401 more problems not shown' });
  });
});
