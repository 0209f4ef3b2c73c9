// checkValue against Heat on the parameters real templates declare: each corpus parameter's own
// schema with a set of probe values per type.
import { checkValue, launchForm } from '../../src/web/launch-form';
import { corpusTemplates, judgeWithHeat } from './heat-judge';

const PROBES: Readonly<Record<string, readonly string[]>> = {
  string: ['', 'abc', 'Abc123', 'P@ssw0rd!1', 'a.b-c', 'user@example.com', 'x'.repeat(300), 'é', 'a b', 'm1.small', '10.0.0.0/24', 'Aa1!Aa1!', 'ab', '1', 'true', 'ubuntu-22.04'],
  number: ['', '0', '1', '-1', '1.5', '2', '8', '22', '443', '1024', '65535', '99999', 'x', '1e3'],
  boolean: ['', 'true', 'no', 'x'],
  comma_delimited_list: ['', 'a', 'a,b', '10.0.0.0/24', 'a,b,c,d,e'],
  json: ['', '{}', '[]', '{"a": 1}', 'x'],
};

describe('checkValue agrees with Heat on the corpus parameters', () => {
  const schemas = new Map<string, Record<string, unknown>>();
  for (const t of corpusTemplates()) {
    const params = (t.value as { parameters?: unknown }).parameters;
    if (typeof params !== 'object' || params === null) continue;
    for (const schema of Object.values(params)) {
      if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) schemas.set(JSON.stringify(schema), schema as Record<string, unknown>);
    }
  }
  const all = [...schemas.values()];
  // a schema Heat refuses by itself (a bad constraint, a default breaking one) is the validator's business
  const alone = judgeWithHeat(all.map((schema) => ({ mode: 'value', schema, raw: schema.default === undefined || schema.default === null ? 'abc' : null })));
  const valid = all.filter((_, i) => alone[i]?.ok || !/InvalidSchemaError|Invalid default|TypeError/.test(alone[i]?.error ?? ''));
  const cases = valid.flatMap((schema) => (PROBES[String(schema.type)] ?? []).map((raw) => ({ schema, raw })));
  const heat = judgeWithHeat(cases.map(({ schema, raw }) => ({ mode: 'value', schema, raw: raw === '' ? null : raw })));

  const fields = cases.map(({ schema }) => launchForm({ heat_template_version: '2021-04-16', parameters: { p: schema } }).groups[0]?.fields[0]);
  // custom constraints are satisfied in the judge (heat_oracle.py stubs them), as the form leaves them to the cloud
  const unchecked = fields.filter((f) => f?.constraints.some((c) => !c.checked)).length;

  test(`the same verdict on ${cases.length} probes of ${valid.length} distinct parameter schemas (${unchecked} with a constraint left to Heat)`, () => {
    expect(valid.length).toBeGreaterThan(100);
    const disagree = cases.flatMap(({ schema, raw }, i) => {
      const field = fields[i];
      const ours = field ? checkValue(field, raw) : ['no field'];
      return (ours.length === 0) === heat[i]?.ok ? [] : [{ schema: JSON.stringify(schema), raw, ours, heat: heat[i]?.error }];
    });
    expect(disagree).toEqual([]);
  });
});
