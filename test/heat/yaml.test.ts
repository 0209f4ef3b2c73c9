// Heater reads YAML as Heat does: every text gets the same verdict and the same value from
// src/heat/yaml.ts as from Heat's own loader (heat.common.template_format.yaml_loader, PyYAML).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadHeatYaml, parseHeatYaml } from '../../src/heat/yaml';

// What PyYAML and YAML 1.2 disagree on, and what Heat's loader changes (timestamps stay text).
const TRICKY: readonly string[] = [
  'a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: n\ng: True\n',
  'octal: 0755\nhex: 0x1F\nbin: 0b101\nsexagesimal: 1:30\nunderscore: 1_000\nexp: 1e3\nfloat: 1.5e+3\nneg: -.5\ninf: .inf\nnan: .NaN\n',
  'date: 2013-05-23\nstamp: 2001-12-14t21:59:43.10-05:00\nquoted: "2013-05-23"\n',
  'nulls: [~, null, Null, NULL, ]\nempty:\n',
  'dup: 1\nother: 2\ndup: 3\n',
  'base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\nmany:\n  <<: [{x: 1}, {x: 2, z: 3}]\n',
  'flow: [{\n  "start": 1,\n  "end": 2\n}]\nnext: ok\n',
  "long: 'word word\n  word word\n\n  new paragraph'\n",
  'block: |\n  line 1\n  line 2\nfolded: >\n  a\n  b\n',
  'tagged: !!str 5\nint: !!int "7"\nfloat: !!float "1"\n',
  'bad: !!int "abc"\n',
  'bad: !!float "x1"\n',
  'flag: !!bool "yes"\n',
  'custom: !Ref something\n',
  'python: !!python/name:os.system\n',
  'equals: =\n',
  'key: value\nlist: [1, 2\nnext: 3\n',
  'a:\n\tb: 1\n',
  'a: b: c\n',
  '- one\n- two\n---\n- three\n',
  'key: "unterminated\n',
  'a: [1, 2]]\n',
  '? complex\n: value\n',
  'big: 99999999999999999999\n',
  'unicode: "\\u00e9\\U0001F600"\nsingle: \'it\'\'s\'\n',
  'anchor: &a [1, 2]\nalias: *a\n',
  '%YAML 1.1\n---\na: yes\n',
  'x: !!binary aGVsbG8=\n',
  'colon: a:b\nhash: a#b\ncomment: a #b\n',
  '',
  '# only a comment\n',
];

/** PyYAML's verdict and value for each text, through Heat's own loader. */
function heatLoads(texts: readonly string[]): { ok: boolean; value?: unknown }[] {
  const script = [
    'import sys, json, yaml, math, base64',
    'from heat.common import template_format',
    'def norm(v):',
    '    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)): return repr(v)',
    '    if isinstance(v, bytes): return base64.b64encode(v).decode()',
    '    if isinstance(v, dict): return {str(k): norm(x) for k, x in v.items()}',
    '    if isinstance(v, (list, tuple)): return [norm(x) for x in v]',
    '    return v',
    'out = []',
    'for t in json.load(sys.stdin):',
    '    try: out.append({"ok": True, "value": norm(yaml.load(t, Loader=template_format.yaml_loader))})',
    '    except Exception as e: out.append({"ok": False})',
    'print(json.dumps(out))',
  ].join('\n');
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`PyYAML (Heat's loader) did not run; is python3-heat installed? ${run.stderr.slice(-1000)}`);
  return JSON.parse(run.stdout) as { ok: boolean; value?: unknown }[];
}

/** Generated documents: PyYAML's own output in every style, so quoting and folding are PyYAML's. */
function generated(count: number): string[] {
  const script = `
import yaml, random, json
random.seed(7)
words=['alpha','beta:','#x','x: y',"it's",'- d','*star','&amp','@at','\`tick','%p','{b}','[c]','yes','no','on','2013-05-23','0x1F','1e3','~','null',' lead','trail ','a\\\\b','"q"','\\u00fcmlaut','1:30','0755','=']
def rs(): return ' '.join(random.choice(words) for _ in range(random.randint(1,30)))
def rv(d=0):
    r=random.random()
    if d>3 or r<0.4: return random.choice([rs(), random.randint(-5, 10**6), random.random()*100, random.choice([True, False, None])])
    if r<0.7: return {('k%d'%i if random.random()<0.7 else rs()[:15]): rv(d+1) for i in range(random.randint(1,4))}
    return [rv(d+1) for _ in range(random.randint(1,4))]
print(json.dumps([yaml.safe_dump({'heat_template_version':'2018-08-31','x':rv()}, default_style=random.choice([None,"'",'"']), width=random.choice([20,40,80]), default_flow_style=random.choice([None,True,False]), allow_unicode=True) for _ in range(${count})]))`;
  const run = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[];
}

/** Every YAML text of the real-template corpus. */
function corpusTexts(): string[] {
  const out = new Set<string>();
  for (const line of readFileSync(path.join(__dirname, 'corpus/sets.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const set = JSON.parse(line) as { files: Record<string, unknown> };
    for (const [p, body] of Object.entries(set.files)) if (/\.ya?ml$/i.test(p) && typeof body === 'string') out.add(body);
  }
  return [...out];
}

// JSON has no Infinity or NaN; Python's repr of them is what both sides compare
const normalise = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? (Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf') : x)));

describe.each([
  ['hand-written edge cases', () => [...TRICKY]],
  ['generated by PyYAML itself', () => generated(400)],
  ['the real templates of the corpus', corpusTexts],
])('%s', (_what, texts) => {
  const cases = texts();
  const heat = heatLoads(cases);
  test.each(cases.map((t, i) => [i, t.slice(0, 40).replace(/\n/g, '⏎'), t] as const))('#%i %s: the same verdict and value as Heat', (i, _shown, text) => {
    const mine = loadHeatYaml(text);
    const theirs = heat[i];
    expect(mine.ok).toBe(theirs?.ok);
    if (mine.ok && theirs?.ok) expect(normalise(mine.value)).toEqual(theirs.value);
  });
});

test('a repeated key is a warning that names both lines, and the last value wins', () => {
  const parsed = parseHeatYaml('dup: 1\nother: 2\ndup: 3\n');
  expect(parsed.errors).toEqual([]);
  expect(parsed.warnings).toHaveLength(1);
  expect(parsed.lines.linePos(parsed.warnings[0]?.offset ?? 0).line).toBe(3);
  expect(parsed.warnings[0]?.message).toContain('first on line 1');
  expect(loadHeatYaml('dup: 1\nother: 2\ndup: 3\n')).toEqual({ ok: true, value: { dup: 3, other: 2 } });
});

test('aliases of aliases (a "billion laughs" text of half a kilobyte) are refused at once, not expanded', () => {
  let text = 'heat_template_version: 2018-08-31\na: &a [x, x, x, x, x, x, x, x, x]\n';
  let prev = 'a';
  for (let i = 0; i < 9; i++) { text += `b${i}: &b${i} [${Array(9).fill(`*${prev}`).join(', ')}]\n`; prev = `b${i}`; }
  const parsed = parseHeatYaml(text);
  expect(parsed.errors.map((e) => e.message)).toEqual([expect.stringMatching(/grows exponentially/)]);
  expect(loadHeatYaml(text).ok).toBe(false);
  // an alias used a few times, as real templates do, is fine
  expect(loadHeatYaml('base: &b {x: 1}\none: *b\ntwo: *b\n')).toEqual({ ok: true, value: { base: { x: 1 }, one: { x: 1 }, two: { x: 1 } } });
});
