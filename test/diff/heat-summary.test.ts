// heatSummary: what moving a stack between two template versions changes and breaks, against the corpus in heat-pairs/.
import { parse } from 'yaml';
import { HEAT_CHANGE_IDS, heatSummary, type Bump, type HeatChange, type HeatSummary } from '../../src/diff/heat-summary';
import { loadPairs, type HeatPair } from './heat-pairs/load';

const pairs = loadPairs();
const byName = new Map(pairs.map((p) => [p.name, p]));

function pair(name: string): HeatPair {
  const p = byName.get(name);
  if (!p) throw new Error(`no case ${name} in heat-pairs/`);
  return p;
}

function summarize(p: HeatPair, reversed = false): HeatSummary | null {
  const before: unknown = parse(p.before), after: unknown = parse(p.after);
  return reversed ? heatSummary(after, before) : heatSummary(before, after);
}

function summaryOf(name: string, reversed = false): HeatSummary {
  const s = summarize(pair(name), reversed);
  if (!s) throw new Error(`${name}: no summary`);
  return s;
}

function lines(changes: readonly { change: string; name: string }[]): string[] {
  return changes.map((c) => `${c.change} ${c.name}`).sort();
}

test('the corpus has at least 20 cases, every bump, null, and every change id', () => {
  expect(pairs.length).toBeGreaterThanOrEqual(20);
  expect(new Set(pairs.map((p) => String(p.expect.bump)))).toEqual(new Set(['major', 'minor', 'patch', 'none', 'null']));
  const used = new Set(pairs.flatMap((p) => p.expect.changes.map((c) => c.change)));
  expect([...HEAT_CHANGE_IDS].filter((id) => !used.has(id))).toEqual([]);
  expect([...used].filter((id) => !(HEAT_CHANGE_IDS as readonly string[]).includes(id))).toEqual([]);
});

test.each(pairs.map((p) => [p.name, p] as const))('%s', (_, p) => {
  const s = summarize(p);
  if (p.expect.bump === null) {
    expect(s).toBeNull();
    return;
  }
  expect(s && { bump: s.bump, changes: lines(s.changes) }).toEqual({ bump: p.expect.bump, changes: lines(p.expect.changes) });
});

// Each classification rule of the table in heat-summary.ts, on the change it is about.
test.each<[string, string, string, Exclude<Bump, 'none'>]>([
  ['a new parameter without a default breaks', 'parameter-added-required', 'parameter-added key_name', 'major'],
  ['a new parameter with a null default breaks', 'parameter-added-null-default', 'parameter-added key_name', 'major'],
  ['a new parameter with a default is minor', 'parameter-added-with-default', 'parameter-added key_name', 'minor'],
  ['a removed parameter breaks', 'parameter-removed', 'parameter-removed image', 'major'],
  ['a changed parameter type breaks', 'parameter-type-changed', 'parameter-type-changed volume_size', 'major'],
  ['a removed default breaks', 'parameter-default-removed', 'parameter-default-removed image', 'major'],
  ['an added default is minor', 'parameter-default-added', 'parameter-default-added image', 'minor'],
  ['a changed default is a patch', 'parameter-default-changed', 'parameter-default-changed image', 'patch'],
  ['an allowed value removed breaks', 'allowed-value-removed', 'parameter-constraints-changed flavor', 'major'],
  ['an allowed value added is minor', 'allowed-value-added', 'parameter-constraints-changed flavor', 'minor'],
  ['allowed values added and removed break', 'allowed-values-replaced', 'parameter-constraints-changed flavor', 'major'],
  ['a new allowed_values constraint breaks', 'allowed-values-constraint-added', 'parameter-constraints-changed image', 'major'],
  ['a dropped allowed_values constraint is minor', 'allowed-values-constraint-removed', 'parameter-constraints-changed image', 'minor'],
  ['a range min raised breaks', 'range-min-raised', 'parameter-constraints-changed volume_size', 'major'],
  ['a range max lowered breaks', 'range-max-lowered', 'parameter-constraints-changed volume_size', 'major'],
  ['a wider range is minor', 'range-widened', 'parameter-constraints-changed volume_size', 'minor'],
  ['a dropped range max is minor', 'range-max-dropped', 'parameter-constraints-changed volume_size', 'minor'],
  ['a range split in two with the same bounds is a patch', 'range-split-same-bounds', 'parameter-constraints-changed volume_size', 'patch'],
  ['a length max lowered breaks', 'length-max-lowered', 'parameter-constraints-changed name_prefix', 'major'],
  ['a dropped length is minor', 'length-removed', 'parameter-constraints-changed name_prefix', 'minor'],
  ['a new allowed_pattern breaks', 'pattern-added', 'parameter-constraints-changed name_prefix', 'major'],
  ['a dropped allowed_pattern is minor', 'pattern-removed', 'parameter-constraints-changed name_prefix', 'minor'],
  ['a changed allowed_pattern breaks (in doubt)', 'pattern-changed', 'parameter-constraints-changed name_prefix', 'major'],
  ['a new custom_constraint breaks', 'custom-constraint-added', 'parameter-constraints-changed image', 'major'],
  ['a dropped custom_constraint is minor', 'custom-constraint-removed', 'parameter-constraints-changed image', 'minor'],
  ['reworded or reordered constraints are a patch', 'constraints-reworded', 'parameter-constraints-changed name_prefix', 'patch'],
  ['looser and stricter at once breaks', 'constraints-mixed', 'parameter-constraints-changed volume_size', 'major'],
  ['a parameter made immutable breaks', 'parameter-immutable-set', 'parameter-immutable-changed flavor', 'major'],
  ['a parameter made mutable is minor', 'parameter-immutable-cleared', 'parameter-immutable-changed flavor', 'minor'],
  ['a hidden flag is a patch', 'parameter-hidden-changed', 'parameter-hidden-changed db_password', 'patch'],
  ['a changed label is a patch', 'parameter-text-changed', 'parameter-label-changed flavor', 'patch'],
  ['a changed description is a patch', 'parameter-text-changed', 'parameter-description-changed flavor', 'patch'],
  ['another changed parameter key is a patch', 'parameter-text-changed', 'parameter-changed flavor', 'patch'],
  ['a new resource is minor', 'resource-added', 'resource-added floating_ip', 'minor'],
  ['a removed resource breaks', 'resource-removed', 'resource-removed attachment', 'major'],
  ['a renamed resource breaks', 'resource-renamed', 'resource-removed volume', 'major'],
  ['a changed resource type breaks', 'resource-type-changed', 'resource-type-changed server', 'major'],
  ['changed properties are a patch', 'resource-properties-changed', 'resource-properties-changed server', 'patch'],
  ['changed dependencies are a patch', 'resource-dependencies-changed', 'resource-dependencies-changed attachment', 'patch'],
  ['other resource keys are a patch', 'resource-changed', 'resource-changed volume', 'patch'],
  ['a new output is minor', 'output-added', 'output-added server_id', 'minor'],
  ['a removed output breaks', 'output-removed', 'output-removed volume_id', 'major'],
  ['a changed output value is a patch', 'output-value-changed', 'output-value-changed server_ip', 'patch'],
  ['a changed output description is a patch', 'output-value-changed', 'output-description-changed server_ip', 'patch'],
  ['another changed output key is a patch', 'output-changed', 'output-changed volume_id', 'patch'],
  ['a newer template version is a patch', 'template-version-newer', 'template-version-changed heat_template_version', 'patch'],
  ['an older template version is a patch', 'template-version-older', 'template-version-changed heat_template_version', 'patch'],
  ['a changed template description is a patch', 'template-description-and-groups', 'template-description-changed description', 'patch'],
  ['changed parameter groups are a patch', 'template-description-and-groups', 'template-section-changed parameter_groups', 'patch'],
  ['a new conditions section is a patch', 'output-changed', 'template-section-changed conditions', 'patch'],
])('%s', (_, name, line, bump) => {
  const found = summaryOf(name).changes.filter((c) => `${c.change} ${c.name}` === line);
  expect(found.map((c) => ({ bump: c.bump, breaking: c.breaking }))).toEqual([{ bump, breaking: bump === 'major' }]);
});

// The same pair read backwards: what breaks one way is a compatible addition the other.
test.each<[string, Bump, Bump]>([
  ['parameter-added-required', 'major', 'major'],
  ['parameter-added-with-default', 'minor', 'major'],
  ['parameter-default-removed', 'major', 'minor'],
  ['allowed-value-removed', 'major', 'minor'],
  ['range-widened', 'minor', 'major'],
  ['length-max-lowered', 'major', 'minor'],
  ['pattern-added', 'major', 'minor'],
  ['pattern-changed', 'major', 'major'],
  ['custom-constraint-added', 'major', 'minor'],
  ['constraints-reworded', 'patch', 'patch'],
  ['parameter-immutable-set', 'major', 'minor'],
  ['resource-added', 'minor', 'major'],
  ['output-removed', 'major', 'minor'],
  ['template-version-newer', 'patch', 'patch'],
  ['identical', 'none', 'none'],
])('%s is %s forwards and %s backwards', (name, forwards, backwards) => {
  expect(summaryOf(name).bump).toBe(forwards);
  expect(summaryOf(name, true).bump).toBe(backwards);
});

test('every summary: bump is the highest of its changes, breaking means major, details are one line naming the subject', () => {
  const rank: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };
  const word: Record<HeatChange['section'], string> = { parameters: 'parameter', resources: 'resource', outputs: 'output', template: '' };
  for (const p of pairs) {
    const s = summarize(p);
    if (!s) continue;
    const top = s.changes.reduce<Bump>((b, c) => (rank[c.bump] > rank[b] ? c.bump : b), 'none');
    expect({ name: p.name, bump: s.bump, breaking: s.breaking }).toEqual({ name: p.name, bump: top, breaking: top === 'major' });
    for (const c of s.changes) {
      expect(c.breaking).toBe(c.bump === 'major');
      expect(c.detail).not.toMatch(/\n/);
      const subject = c.section === 'template' ? /^(heat_template_version|template) / : new RegExp(`^${word[c.section]} ${c.name}[ :]`);
      expect(c.detail).toMatch(subject);
    }
  }
});

test('details say what changed', () => {
  const detail = (name: string, id: string) => summaryOf(name).changes.find((c) => c.change === id)?.detail;
  expect(detail('parameter-type-changed', 'parameter-type-changed')).toBe('parameter volume_size: type changed from number to string');
  expect(detail('parameter-default-changed', 'parameter-default-changed')).toBe('parameter image: default changed from ubuntu-22.04 to ubuntu-24.04');
  expect(detail('allowed-value-removed', 'parameter-constraints-changed')).toBe('parameter flavor: constraints stricter (allowed value m1.large removed)');
  expect(detail('range-widened', 'parameter-constraints-changed')).toBe('parameter volume_size: constraints looser (range min changed from 1 to 0, range max changed from 100 to 500)');
  expect(detail('constraints-mixed', 'parameter-constraints-changed')).toBe('parameter flavor: constraints looser (allowed value m1.xlarge added)');
  expect(detail('resource-type-changed', 'resource-type-changed')).toBe('resource server: type changed from OS::Nova::Server to server.yaml, so Heat replaces it on update (deletes the old resource and creates a new one)');
  expect(detail('resource-dependencies-changed', 'resource-dependencies-changed')).toBe('resource attachment: no longer on server');
  expect(detail('resource-properties-changed', 'resource-properties-changed')).toBe('resource server: properties config_drive changed');
});

test.each([
  ['template-version-newer', /2018-08-31 to 2021-04-16, a newer version: a patch by itself.*must know 2021-04-16/],
  ['template-version-older', /2021-04-16 to queens, an older version: a patch by itself/],
  ['template-version-alias', /2021-04-16 to wallaby, the same version \(2021-04-16\) by another name/],
])('%s: the version detail says why it is a patch', (name, detail) => {
  expect(summaryOf(name).changes[0]?.detail).toMatch(detail);
});

test('a hidden parameter never shows its default', () => {
  const s = summaryOf('parameter-hidden-changed');
  expect(JSON.stringify(s)).not.toMatch(/s3cret/);
  const added = heatSummary(
    parse('heat_template_version: 2021-04-16\nparameters: {}\n'),
    parse('heat_template_version: 2021-04-16\nparameters: {pw: {type: string, hidden: true, default: hunter2}}\n'),
  );
  expect(added?.changes).toEqual([expect.objectContaining({ change: 'parameter-added', bump: 'minor', new: { type: 'string', hidden: true } })]);
  expect(JSON.stringify(added)).not.toMatch(/hunter2/);
});

test('changes come template first, then parameters, resources and outputs, each in the order of after', () => {
  expect(summaryOf('web-stack-upgrade').changes.map((c) => `${c.change} ${c.name}`)).toEqual([
    'template-version-changed heat_template_version',
    'template-section-changed parameter_groups',
    'parameter-constraints-changed flavor',
    'parameter-constraints-changed server_count',
    'parameter-added ssh_cidr',
    'resource-properties-changed web_security_group',
    'resource-properties-changed pool',
    'resource-properties-changed health_monitor',
    'resource-properties-changed web_servers',
    'output-added subnet_id',
    'output-removed network_id',
  ]);
});

test('an unquoted date version (YAML 1.1) and the same date as text are the same version', () => {
  const asDate = parse('%YAML 1.1\n---\nheat_template_version: 2021-04-16\nresources: {}\n');
  expect(asDate).toEqual({ heat_template_version: expect.any(Date), resources: {} });
  expect(heatSummary(asDate, { heat_template_version: '2021-04-16', resources: {} })).toEqual({ bump: 'none', breaking: false, changes: [] });
});

const HOT = { heat_template_version: '2021-04-16' };
test.each<[string, unknown, unknown]>([
  ['null', null, HOT],
  ['undefined', HOT, undefined],
  ['a string', 'heat_template_version: 2021-04-16', HOT],
  ['a list', [HOT], HOT],
  ['a mapping without a version', HOT, { resources: {} }],
  ['an empty version', { heat_template_version: '' }, HOT],
  ['a null version', HOT, { heat_template_version: null }],
  ['a mapping version', HOT, { heat_template_version: { date: '2021-04-16' } }],
])('not HOT (%s) gives null', (_, before, after) => {
  expect(heatSummary(before, after)).toBeNull();
});

test('malformed sections give what can be read from them and throw nothing', () => {
  const s = heatSummary(
    { ...HOT, parameters: [1, 2], resources: { a: 'not a mapping', b: { type: 'X', depends_on: 7 } }, outputs: null },
    { ...HOT, parameters: { p: null }, resources: { a: { type: 'X' }, b: { type: 'X', depends_on: [7, 'a'] } }, outputs: 'x' },
  );
  expect(s && lines(s.changes)).toEqual([
    'parameter-added p', 'resource-changed a', 'resource-dependencies-changed b', 'resource-type-changed a',
  ].sort());
});
