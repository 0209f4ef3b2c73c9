// The template validator against the corpus in hot-corpus/, plus its edges and its message format (its speed is measured in bench/validate.mjs).
import { validateTree } from '../../src/registry/validate/validate-tree';
import { hotVersionText } from '../../src/registry/validate/hot-versions';
import { formatProblem, type TreeInput, type ValidationProblem } from '../../src/registry/validate/problem';
import { loadCorpus, parseExpected, type CorpusCase } from './hot-corpus/load';

const corpus = loadCorpus();
const byName = new Map(corpus.map((c) => [c.name, c]));

function treeOf(files: Record<string, string>): TreeInput {
  return { paths: new Set(Object.keys(files)), texts: new Map(Object.entries(files)) };
}

/** Expected lines with no problem to match, and problems no line expected (both empty on success). */
function compare(c: CorpusCase, problems: readonly ValidationProblem[]): { missing: string[]; unexpected: string[] } {
  const left = [...problems];
  const missing: string[] = [];
  for (const line of c.expect === 'valid' ? [] : c.expect) {
    const e = parseExpected(line, c.name);
    const i = left.findIndex((p) => p.rule === e.rule && (e.line === undefined || p.line === e.line)
      && (e.column === undefined || p.column === e.column) && (e.file === undefined || p.file === e.file) && e.isWarning === (p.severity === 'warning'));
    if (i < 0) missing.push(line);
    else left.splice(i, 1);
  }
  return { missing, unexpected: left.map(formatProblem) };
}

test('the corpus has at least 30 cases, each with a verdict', () => {
  expect(corpus.length).toBeGreaterThanOrEqual(30);
  for (const c of corpus) expect(Object.keys(c.files).length).toBeGreaterThan(0);
});

// Each rule with a case that keeps it and one that breaks it.
test.each([
  ['yaml-syntax', 'valid-minimal', 'yaml-syntax-error'],
  ['yaml-duplicate-key', 'plain-config-yaml', 'duplicate-key'],
  ['entrypoint-missing', 'manifest-valid', 'manifest-entrypoint-missing'],
  ['entrypoint-missing', 'plain-config-yaml', 'manifest-default-entrypoint-missing'],
  ['manifest-schema', 'large-web-stack', 'manifest-schema'],
  ['hot-version', 'version-release-name', 'version-unknown'],
  ['hot-version', 'version-date-parsed-as-date', 'version-unknown-date-object'],
  ['hot-section', 'outputs-valid', 'section-unknown'],
  ['hot-parameter-type', 'parameters-valid', 'parameter-bad-type'],
  ['hot-parameter-type', 'parameters-valid', 'parameter-bad-number-default'],
  ['hot-constraint', 'parameters-valid', 'constraint-length-on-number'],
  ['hot-constraint', 'parameters-valid', 'constraint-bad-pattern'],
  ['hot-parameter-group', 'parameter-groups-valid', 'parameter-groups-bad'],
  ['hot-resource', 'depends-on-valid', 'resource-shapes'],
  ['hot-get-param', 'get-param-list-form', 'get-param-undeclared'],
  ['hot-get-param', 'get-param-pseudo', 'condition-undeclared'],
  ['hot-get-resource', 'large-web-stack', 'get-resource-unknown'],
  ['hot-get-attr', 'large-web-stack', 'get-attr-unknown'],
  ['hot-depends-on', 'depends-on-valid', 'depends-on-unknown-and-self'],
  ['hot-get-file', 'get-file-parent-from-nested', 'get-file-missing'],
  ['registry-outside-version', 'get-file-parent-from-nested', 'get-file-escaping-root'],
  ['registry-outside-version', 'large-web-stack', 'get-file-url'],
  ['hot-nested-template', 'nested-template-present', 'nested-template-missing'],
  ['hot-output', 'outputs-valid', 'output-without-value'],
])('%s: %s passes and %s breaks it', (rule, good, bad) => {
  expect(byName.get(good)?.expect).toBe('valid');
  const expected = byName.get(bad)?.expect;
  expect(Array.isArray(expected) && expected.some((l) => parseExpected(l).rule === rule)).toBe(true);
});

test.each(corpus.map((c) => [c.name, c] as const))('corpus %s', (_name, c) => {
  const { problems } = validateTree(treeOf(c.files));
  expect(compare(c, problems)).toEqual({ missing: [], unexpected: [] });
  for (const p of problems.filter((x) => !x.rule.startsWith('manifest-'))) expect(p.message).toMatch(/^[A-Za-z].*\.$/s);
});

test('every problem of a template is reported together, in file order', () => {
  const { problems } = validateTree(treeOf(byName.get('multiple-problems')!.files));
  expect(problems.map((p) => p.rule)).toEqual([
    'hot-version', 'hot-parameter-type', 'hot-depends-on', 'hot-get-param', 'hot-get-param',
    'hot-get-resource', 'hot-get-file', 'hot-resource', 'hot-get-attr', 'hot-section',
  ]);
  expect(problems.map((p) => p.line)).toEqual([...problems.map((p) => p.line)].sort((a, b) => (a ?? 0) - (b ?? 0)));
});

test('a YAML syntax error names the file, line and column', () => {
  const { problems } = validateTree(treeOf({ 'a/b.yaml': 'key: value\nlist: [1, 2\nnext: 3\n' }));
  expect(problems).toHaveLength(1);
  // Heat's PyYAML ignores indentation inside [...], so the sequence runs on to the end of the text, where it is unclosed
  expect(problems[0]).toMatchObject({ file: 'a/b.yaml', rule: 'yaml-syntax', line: 4, column: 1 });
});

test('the manifest is returned with its defaults; none without heater.yaml', () => {
  expect(validateTree(treeOf(byName.get('manifest-valid')!.files)).manifest).toMatchObject({ entrypoint: 'stacks/main.yaml', keywords: ['demo'] });
  expect(validateTree(treeOf(byName.get('valid-minimal')!.files)).manifest).toBeNull();
});

test.each([
  ['template.yaml', []],
  ['stack.yaml', ['entrypoint-missing']],
])('an entrypoint asked for by the caller (%s) must exist', (entrypoint, rules) => {
  const { problems } = validateTree(treeOf(byName.get('valid-minimal')!.files), { entrypoint });
  expect(problems.map((p) => p.rule)).toEqual(rules);
});

test.each([
  ['an empty file', ''],
  ['only comments', '# nothing here\n'],
  ['a scalar', 'just text\n'],
  ['a list holding the key', '- heat_template_version: 2013-05-23\n'],
  ['an empty HOT', 'heat_template_version: 2013-05-23\n'],
  ['a HOT of empty sections', 'heat_template_version: 2013-05-23\nparameters:\nresources:\noutputs:\n'],
  ['anchors reused across resources', 'heat_template_version: 2013-05-23\nresources:\n  a: &r {type: OS::Heat::None}\n  b: *r\n'],
  ['a mapping that merges itself', 'heat_template_version: 2013-05-23\nresources:\n  a: &r\n    <<: *r\n    type: OS::Heat::None\n  b: &s\n    <<: [*s, *r]\n'],
])('%s is valid', (_what, text) => {
  expect(validateTree(treeOf({ 'x.yaml': text })).problems).toEqual([]);
});

test('validation is pure: the same tree always gets the same problems', () => {
  const tree = treeOf(byName.get('multiple-problems')!.files);
  expect(validateTree(tree)).toEqual(validateTree(tree));
});

test('a date read as a timestamp (YAML 1.1) is the day it names', () => {
  expect(hotVersionText(new Date('2016-10-14T00:00:00Z'))).toBe('2016-10-14');
  expect(hotVersionText(new Date('2016-10-14T10:00:00Z'))).toBe('2016-10-14T10:00:00.000Z');
  expect(hotVersionText(42)).toBeNull();
});

test('formatProblem writes file:line:col: message [rule]', () => {
  expect(formatProblem({ file: 'nested/a.yaml', line: 12, column: 7, rule: 'hot-get-param', message: 'get_param size: no parameter size is declared.' }))
    .toBe('nested/a.yaml:12:7: get_param size: no parameter size is declared. [hot-get-param]');
  expect(formatProblem({ file: 'heater.yaml', line: 3, rule: 'manifest-schema', message: 'Bad.' })).toBe('heater.yaml:3: Bad. [manifest-schema]');
  expect(formatProblem({ file: 'heater.yaml', rule: 'entrypoint-missing', message: 'Missing.' })).toBe('heater.yaml: Missing. [entrypoint-missing]');
  const [p] = validateTree(treeOf(byName.get('get-param-undeclared')!.files)).problems;
  expect(p && formatProblem(p)).toBe('template.yaml:9:27: get_param flavor: no parameter flavor is declared. [hot-get-param]');
});

