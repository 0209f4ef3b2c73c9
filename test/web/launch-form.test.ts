// The launch form: its shape from a template, checkValue judged against Heat, the environment file and command.
import fs from 'node:fs';
import path from 'node:path';
import { checkValue, environmentFile, launchForm, stackCreateCommand, type LaunchField } from '../../src/web/launch-form';
import { judgeWithHeat } from './heat-judge';
import { VALUE_TABLE, type Schema } from './value-cases';

function fieldFor(schema: Schema): LaunchField {
  const field = launchForm({ heat_template_version: '2021-04-16', parameters: { p: schema } }).groups[0]?.fields[0];
  if (!field) throw new Error('no field');
  return field;
}

describe('checkValue agrees with Heat', () => {
  const cases = VALUE_TABLE.flatMap(({ schema, raws }) => raws.map((raw) => ({ schema, raw })));
  const heat = judgeWithHeat(cases.map(({ schema, raw }) => ({ mode: 'value', schema, raw: raw === '' ? null : raw })));

  test(`the same verdict on all ${cases.length} cases`, () => {
    const disagree = cases.flatMap(({ schema, raw }, i) => {
      const ours = checkValue(fieldFor(schema), raw);
      const theirs = heat[i];
      return (ours.length === 0) === theirs?.ok ? [] : [{ schema: JSON.stringify(schema), raw, ours, heat: theirs?.error }];
    });
    expect(disagree).toEqual([]);
  });

  test('the table exercises both verdicts for every type', () => {
    for (const type of ['string', 'number', 'boolean', 'comma_delimited_list', 'json']) {
      const verdicts = new Set(cases.flatMap((c, i) => (c.schema.type === type ? [heat[i]?.ok] : [])));
      expect([type, [...verdicts].sort()]).toEqual([type, [false, true]]);
    }
  });
});

test.each(['\\bfoo', '(?x) a b', 'a++', '(?>a)', '(a)\\1', '(?m)^a$', '\\Nfoo', '(?i:a)', '\\0'])(
  'the pattern %s, which JavaScript cannot run as Python does, is left to Heat', (pattern) => {
    const field = fieldFor({ type: 'string', constraints: [{ allowed_pattern: pattern }] });
    expect(field.constraints[0]).toMatchObject({ checked: false, reason: expect.any(String) });
    expect(checkValue(field, 'anything')).toEqual([]);
  });

describe('launchForm', () => {
  const template = {
    heat_template_version: '2021-04-16',
    parameter_groups: [{ label: 'Network', description: 'Where it runs', parameters: ['net', 'ghost'] }, { parameters: ['size'] }],
    parameters: {
      size: { type: 'number', default: 2, constraints: [{ range: { min: 1 }, description: 'at least one' }] },
      key: { type: 'string', label: 'Key pair', constraints: [{ custom_constraint: 'nova.keypair' }] },
      net: { type: 'comma_delimited_list', default: ['a', 'b'] },
      pw: { type: 'string', hidden: true, default: 'secret', constraints: [{ allowed_pattern: '\\bx' }] },
      odd: { type: 'float' },
    },
  };
  const form = launchForm(template);

  test('groups in order, then the parameters no group names, each once', () => {
    expect(form.groups.map((g) => [g.label, g.description, g.fields.map((f) => f.name)])).toEqual([
      ['Network', 'Where it runs', ['net']], [null, null, ['size']], [null, null, ['key', 'pw', 'odd']]]);
  });

  test('fields carry labels, defaults as text, requiredness and which constraints the browser can check', () => {
    const [net, size, key, pw] = form.groups.flatMap((g) => g.fields);
    expect(net).toMatchObject({ label: 'net', type: 'comma_delimited_list', initial: 'a,b', required: false });
    expect(size?.constraints).toEqual([{ kind: 'range', min: 1, description: 'at least one', checked: true }]);
    expect(key).toMatchObject({ label: 'Key pair', required: true, constraints: [{ kind: 'custom_constraint', name: 'nova.keypair', checked: false }] });
    expect(pw).toMatchObject({ hidden: true, required: false, initial: '' });
    expect(pw?.default).toBeUndefined();
    expect(pw?.constraints[0]).toMatchObject({ kind: 'allowed_pattern', checked: false });
    expect(checkValue(size as LaunchField, '0')).toEqual(['at least one']);
  });

  test('an unknown type is drawn as a string; what is not HOT has no form', () => {
    expect(form.groups[2]?.fields[2]?.type).toBe('string');
    expect(launchForm('text')).toEqual({ groups: [] });
    expect(launchForm({ resources: {} })).toEqual({ groups: [] });
  });
});

describe('environmentFile', () => {
  const typed: [string, readonly string[]][] = [
    ['string', ['yes', '0755', '1:30', 'null', '~', 'a: b', '#x', "it's", 'line\nbreak', '"q"', '  lead', 'é😀', '\t', '=', 'x'.repeat(200)]],
    ['number', ['5', '1.5', '007', '1_000', '1e3', 'inf', '-0', '2.50', '12345678901234567890', ' 8 ', '0.1', '-3']],
    ['boolean', ['yes', 'Off', '1', 'TRUE']],
    ['comma_delimited_list', ['a,b', ' a , b', 'yes,no', 'x']],
    ['json', ['{"a":1.0}', '{"a":[1,2,{"b":null}]}', '[1e3]', '{"a":NaN}', '"s"', '5', '{"yes": "no", "on": [true]}', '{"big": 12345678901234567890}', '[0.1, -0]', '{"k": "0755"}', '[]']],
  ];
  const params = typed.flatMap(([type, raws]) => raws.map((raw, i) => ({ name: `${type}_${i}`, type, raw })));
  const text = 'heat_template_version: 2021-04-16\nparameters:\n' + params.map((p) => `  ${p.name}: {type: ${p.type}}`).join('\n') + '\n';
  const values = Object.fromEntries(params.map((p) => [p.name, p.raw]));
  const form = launchForm({ heat_template_version: '2021-04-16', parameters: Object.fromEntries(params.map((p) => [p.name, { type: p.type }])) });
  const env = environmentFile(form, values);

  test(`Heat reads the file as it reads the ${params.length} values typed on the command line`, () => {
    const [fromEnv, fromCli] = judgeWithHeat([{ mode: 'env', template: text, env }, { mode: 'params', template: text, params: values }]);
    expect(fromCli?.error).toBe('');
    expect(fromEnv?.error).toBe('');
    expect(fromEnv?.values).toEqual(fromCli?.values);
  });

  test('values are typed: numbers, booleans and json collections unquoted, strings quoted', () => {
    expect(env).toContain('"number_0": 5\n');
    expect(env).toContain('"boolean_0": true\n');
    expect(env).toContain('"string_0": "yes"\n');
    expect(env).toMatch(/"json_1":\n\s+"a":\n/);
    expect(env.startsWith('parameters:\n')).toBe(true);
  });

  test('only values given and changed from the default', () => {
    const f = launchForm({ heat_template_version: '2021-04-16', parameters: { a: { type: 'number', default: 1 }, b: { type: 'string' }, c: { type: 'string', default: 'x' } } });
    expect(environmentFile(f, { a: '1', b: '', c: 'y', zz: 'ignored' })).toBe('parameters:\n  "c": "y"\n');
    expect(environmentFile(f, {})).toBe('parameters: {}\n');
  });
});

test('stackCreateCommand quotes every argument for a POSIX shell', () => {
  expect(stackCreateCommand({ stackName: "web's", templateUrl: 'https://h/t.yaml?a=1&b=$(x)', environmentFile: 'my env.yaml' }))
    .toBe("openstack stack create -t 'https://h/t.yaml?a=1&b=$(x)' -e 'my env.yaml' 'web'\\''s'");
});

test('checkValue runs in a browser: value-check.ts and what it imports use no Node module and no package', () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const [, isType, from = ''] of source.matchAll(/^import (type )?[^'"]*from '([^']+)'/gm)) {
      if (isType) continue; // erased by the compiler
      expect([file, from]).toEqual([file, expect.stringMatching(/^\.\//)]);
      visit(path.join(path.dirname(file), `${from}.ts`));
    }
  };
  visit(path.join(__dirname, '../../src/web/value-check.ts'));
  expect([...seen].map((f) => path.basename(f)).sort()).toEqual(['python-regex.ts', 'python-values.ts', 'value-check.ts']);
});
