// extractInterface: a launch form's parameters and groups, resource counts and outputs, from a parsed HOT document.
import { parse } from 'yaml';
import { extractInterface, type TemplateInterface } from '../../src/registry/interface';

const WEB_SERVER = `heat_template_version: 2021-04-16
description: >
  A web server with a data volume, on a port of an existing network.

parameter_groups:
  - label: Server
    description: What runs and how big it is
    parameters: [image, flavor, key_name]
  - label: Storage
    parameters: [volume_size, db_password]

parameters:
  image:
    type: string
    label: Image
    description: Glance image name or id
    default: ubuntu-22.04
    constraints:
      - custom_constraint: glance.image
  flavor:
    type: string
    label: Flavor
    default: m1.small
    immutable: true
    constraints:
      - allowed_values: [m1.small, m1.medium, m1.large]
        description: One of the flavors this project may use
  key_name:
    type: string
    constraints:
      - custom_constraint: nova.keypair
  volume_size:
    type: number
    description: Size of the data volume in GB
    default: 10
    constraints:
      - range: { min: 1, max: 1024 }
        description: Between 1 and 1024 GB
      - modulo: { step: 2, offset: 0 }
  db_password:
    type: string
    label: Database password
    hidden: true
    default: s3cr3t-Default-Pw
    constraints:
      - length: { min: 12, max: 64 }
      - allowed_pattern: "[a-zA-Z0-9-]+"
        description: Letters, digits and dashes

resources:
  port:
    type: OS::Neutron::Port
    properties:
      network: private
  server:
    type: OS::Nova::Server
    properties:
      image: { get_param: image }
      flavor: { get_param: flavor }
      key_name: { get_param: key_name }
      networks: [{ port: { get_resource: port } }]
      user_data: { get_file: scripts/install.sh }
  volume:
    type: OS::Cinder::Volume
    properties:
      size: { get_param: volume_size }
  attachment:
    type: OS::Cinder::VolumeAttachment
    properties:
      instance_uuid: { get_resource: server }
      volume_id: { get_resource: volume }
  monitoring:
    type: lib/monitoring.yaml
    properties:
      server: { get_resource: server }

outputs:
  server_ip:
    description: The server's address on the private network
    value: { get_attr: [server, first_address] }
  db_password:
    value: { get_param: db_password }
`;

const ENDS_WITH_NEWLINE = 'A web server with a data volume, on a port of an existing network.\n';

describe('a realistic template', () => {
  const iface = extractInterface(parse(WEB_SERVER));

  test('gives the whole interface', () => {
    expect(iface).toEqual<TemplateInterface>({
      heatTemplateVersion: '2021-04-16',
      description: ENDS_WITH_NEWLINE,
      parameters: [
        { name: 'image', type: 'string', label: 'Image', description: 'Glance image name or id', default: 'ubuntu-22.04', hidden: false, immutable: false, constraints: [{ kind: 'custom_constraint', name: 'glance.image' }] },
        { name: 'flavor', type: 'string', label: 'Flavor', default: 'm1.small', hidden: false, immutable: true, constraints: [{ kind: 'allowed_values', values: ['m1.small', 'm1.medium', 'm1.large'], description: 'One of the flavors this project may use' }] },
        { name: 'key_name', type: 'string', hidden: false, immutable: false, constraints: [{ kind: 'custom_constraint', name: 'nova.keypair' }] },
        {
          name: 'volume_size', type: 'number', description: 'Size of the data volume in GB', default: 10, hidden: false, immutable: false,
          constraints: [{ kind: 'range', min: 1, max: 1024, description: 'Between 1 and 1024 GB' }, { kind: 'modulo', step: 2, offset: 0 }],
        },
        {
          name: 'db_password', type: 'string', label: 'Database password', hidden: true, immutable: false,
          constraints: [{ kind: 'length', min: 12, max: 64 }, { kind: 'allowed_pattern', pattern: '[a-zA-Z0-9-]+', description: 'Letters, digits and dashes' }],
        },
      ],
      parameterGroups: [
        { label: 'Server', description: 'What runs and how big it is', parameters: ['image', 'flavor', 'key_name'], implicit: false },
        { label: 'Storage', parameters: ['volume_size', 'db_password'], implicit: false },
      ],
      resources: {
        total: 5,
        byType: { 'OS::Cinder::Volume': 1, 'OS::Cinder::VolumeAttachment': 1, 'OS::Neutron::Port': 1, 'OS::Nova::Server': 1, 'lib/monitoring.yaml': 1 },
      },
      nestedTemplates: ['lib/monitoring.yaml'],
      outputs: [{ name: 'server_ip', description: "The server's address on the private network" }, { name: 'db_password' }],
    });
  });

  test('a hidden parameter has no default, anywhere in the result', () => {
    const password = iface?.parameters.find((p) => p.name === 'db_password');
    expect(password?.hidden).toBe(true);
    expect(password).not.toHaveProperty('default');
    expect(JSON.stringify(iface)).not.toContain('s3cr3t');
  });

  test('byType is sorted by type, and output values are left out', () => {
    expect(Object.keys(iface?.resources.byType ?? {})).toEqual([...Object.keys(iface?.resources.byType ?? {})].sort());
    expect(JSON.stringify(iface?.outputs)).not.toContain('get_attr');
  });

  test('the same template read from JSON gives the same interface', () => {
    expect(extractInterface(JSON.parse(JSON.stringify(parse(WEB_SERVER))))).toEqual(iface);
  });
});

describe('parameter groups', () => {
  test('parameters in no group make one last, implicit group, in declaration order', () => {
    const doc = parse(WEB_SERVER);
    doc.parameters.network = { type: 'string', default: 'private' };
    doc.parameters.az = { type: 'string' };
    doc.parameter_groups[0].parameters = ['image', 'flavor'];
    expect(extractInterface(doc)?.parameterGroups).toEqual([
      { label: 'Server', description: 'What runs and how big it is', parameters: ['image', 'flavor'], implicit: false },
      { label: 'Storage', parameters: ['volume_size', 'db_password'], implicit: false },
      { parameters: ['key_name', 'network', 'az'], implicit: true },
    ]);
  });

  test('without parameter_groups every parameter is in the implicit group', () => {
    const doc = parse(WEB_SERVER);
    delete doc.parameter_groups;
    expect(extractInterface(doc)?.parameterGroups).toEqual([{ parameters: ['image', 'flavor', 'key_name', 'volume_size', 'db_password'], implicit: true }]);
  });

  test('undeclared names, repeats and non-strings in a group are dropped; a parameter stays in its first group', () => {
    const doc = parse(`heat_template_version: wallaby
parameters: { a: { type: string }, b: { type: string } }
parameter_groups:
  - { label: One, parameters: [a, nope, a, 7, null] }
  - { label: Two, parameters: [a, b] }
  - { label: Empty }
  - just a string
`);
    expect(extractInterface(doc)?.parameterGroups).toEqual([
      { label: 'One', parameters: ['a'], implicit: false },
      { label: 'Two', parameters: ['b'], implicit: false },
      { label: 'Empty', parameters: [], implicit: false },
    ]);
  });
});

describe('parameters', () => {
  test.each([
    [true, true], ['true', true], ['Yes', true], [1, true], ['maybe', true], [{}, true],
    [false, false], ['false', false], ['off', false], [0, false], [null, false], [undefined, false],
  ])('hidden: %j hides the default: %s', (hidden, isHidden) => {
    const doc = { heat_template_version: '2021-04-16', parameters: { pw: { type: 'string', default: 'secret', ...(hidden !== undefined && { hidden }) } } };
    const p = extractInterface(doc)?.parameters[0];
    expect(p?.hidden).toBe(isHidden);
    expect(p?.default).toBe(isHidden ? undefined : 'secret');
  });

  test('defaults of every JSON type are kept; a null default is no default', () => {
    const doc = parse(`heat_template_version: 2018-08-31
parameters:
  n: { type: number, default: 0 }
  b: { type: boolean, default: false }
  l: { type: comma_delimited_list, default: [a, b] }
  j: { type: json, default: { k: [1, { x: null }] } }
  none: { type: string, default: null }
`);
    expect(extractInterface(doc)?.parameters.map((p) => [p.name, p.type, p.default])).toEqual([
      ['n', 'number', 0], ['b', 'boolean', false], ['l', 'comma_delimited_list', ['a', 'b']], ['j', 'json', { k: [1, { x: null }] }], ['none', 'string', undefined],
    ]);
  });

  test('constraints: malformed ones are skipped, numeric text is read, every recognised key counts', () => {
    const doc = parse(`heat_template_version: 2021-04-16
parameters:
  p:
    type: string
    constraints:
      - length: { min: "8" }
      - length: { min: eight }
      - range: { max: 10.5 }
      - range: 5
      - modulo: { step: 2 }
      - allowed_values: not-a-list
      - allowed_pattern: [x]
      - custom_constraint: { name: x }
      - unknown_kind: 1
      - { length: { max: 3 }, allowed_pattern: "^a", description: both }
      - just text
      - null
`);
    expect(extractInterface(doc)?.parameters[0]?.constraints).toEqual([
      { kind: 'length', min: 8 },
      { kind: 'range', max: 10.5 },
      { kind: 'length', max: 3, description: 'both' },
      { kind: 'allowed_pattern', pattern: '^a', description: 'both' },
    ]);
  });

  test('a parameter that is not a mapping is still listed, as a plain string parameter', () => {
    expect(extractInterface({ heat_template_version: '2021-04-16', parameters: { a: null, b: 5, c: ['x'] } })?.parameters).toEqual([
      { name: 'a', type: 'string', hidden: false, immutable: false, constraints: [] },
      { name: 'b', type: 'string', hidden: false, immutable: false, constraints: [] },
      { name: 'c', type: 'string', hidden: false, immutable: false, constraints: [] },
    ]);
  });

  test('names that are Object.prototype members are ordinary names', () => {
    const doc = JSON.parse('{"heat_template_version":"2021-04-16","parameters":{"__proto__":{"type":"number","default":1},"constructor":{"type":"string"}},"resources":{"toString":{"type":"constructor"}}}');
    const iface = extractInterface(doc);
    expect(iface?.parameters.map((p) => [p.name, p.type, p.default])).toEqual([['__proto__', 'number', 1], ['constructor', 'string', undefined]]);
    expect(iface?.resources).toEqual({ total: 1, byType: { constructor: 1 } });
  });
});

describe('resources', () => {
  test('nested templates are the types that are files; URLs and absolute paths are not', () => {
    const doc = parse(`heat_template_version: 2021-04-16
resources:
  a: { type: nested/db.yaml }
  b: { type: nested/db.yaml }
  c: { type: ./lb.template }
  d: { type: https://example.com/remote.yaml }
  e: { type: /abs/path.yaml }
  f: { type: notes.yml }
  g:
    type: OS::Heat::ResourceGroup
    properties: { count: 3, resource_def: { type: worker.yaml } }
  h:
    type: OS::Heat::AutoScalingGroup
    properties: { min_size: 1, max_size: 4, resource: { type: member.yaml } }
  i:
    type: OS::Heat::ResourceGroup
    properties: { resource_def: { type: OS::Nova::Server } }
`);
    const iface = extractInterface(doc);
    expect(iface?.nestedTemplates).toEqual(['./lb.template', 'member.yaml', 'nested/db.yaml', 'worker.yaml']);
    expect(iface?.resources).toEqual({
      total: 9,
      byType: {
        './lb.template': 1, '/abs/path.yaml': 1, 'OS::Heat::AutoScalingGroup': 1, 'OS::Heat::ResourceGroup': 2,
        'https://example.com/remote.yaml': 1, 'nested/db.yaml': 2, 'notes.yml': 1,
      },
    });
  });

  test('a resource without a string type counts in total only', () => {
    expect(extractInterface({ heat_template_version: '2021-04-16', resources: { a: { type: 'OS::Nova::Server' }, b: {}, c: null, d: { type: 3 } } })?.resources)
      .toEqual({ total: 4, byType: { 'OS::Nova::Server': 1 } });
  });
});

describe('what is not a template', () => {
  test.each<[string, unknown]>([
    ['null', null], ['undefined', undefined], ['a number', 42], ['a string', 'heat_template_version: 2021-04-16'], ['a list', [{ heat_template_version: '2021-04-16' }]],
    ['an empty mapping', {}], ['a mapping without the version', { resources: {} }], ['a null version', { heat_template_version: null }],
    ['an empty version', { heat_template_version: ' ' }], ['a mapping as version', { heat_template_version: { a: 1 } }], ['a date object', new Date(0)],
  ])('%s gives null', (_, doc) => {
    expect(extractInterface(doc)).toBeNull();
  });

  test('a version a YAML 1.1 parser read as a date is given back as the date', () => {
    expect(extractInterface({ heat_template_version: new Date('2021-04-16T00:00:00Z') })?.heatTemplateVersion).toBe('2021-04-16');
  });

  test('a template with only a version has an empty interface', () => {
    expect(extractInterface({ heat_template_version: 'wallaby' })).toEqual({
      heatTemplateVersion: 'wallaby', description: null, parameters: [], parameterGroups: [], resources: { total: 0, byType: {} }, nestedTemplates: [], outputs: [],
    });
  });
});

describe('never throws', () => {
  test.each<[string, Record<string, unknown>]>([
    ['sections that are numbers', { parameters: 1, parameter_groups: 2, resources: 3, outputs: 4, description: 5 }],
    ['sections that are null', { parameters: null, parameter_groups: null, resources: null, outputs: null, description: null }],
    ['lists where mappings are expected', { parameters: [{ type: 'string' }], resources: [{ type: 'OS::Nova::Server' }], outputs: ['x'] }],
    ['mappings where lists are expected', { parameter_groups: { label: 'x', parameters: 'a' }, parameters: { a: { constraints: { length: { min: 1 } } } } }],
    ['strings everywhere', { parameters: 'a', parameter_groups: 'b', resources: 'c', outputs: 'd' }],
    ['odd scalars in entries', { parameters: { a: { type: 7, label: [], description: {}, hidden: [], immutable: 'x', constraints: [1, 'x', [], { range: { min: Infinity, max: NaN } }] } } }],
  ])('%s', (_, sections) => {
    const iface = extractInterface({ heat_template_version: '2021-04-16', ...sections });
    expect(iface).not.toBeNull();
    expect(() => JSON.stringify(iface)).not.toThrow();
  });

  test('cycles made by YAML aliases come out as JSON-safe values', () => {
    const doc = parse('heat_template_version: 2021-04-16\nparameters:\n  p:\n    type: json\n    default: &d [1, *d]\n    constraints: [{ allowed_values: &v [a, *v] }]\n');
    const iface = extractInterface(doc);
    expect(iface?.parameters[0]?.default).toEqual([1, null]);
    expect(iface?.parameters[0]?.constraints).toEqual([{ kind: 'allowed_values', values: ['a', null] }]);
    expect(() => JSON.stringify(iface)).not.toThrow();
  });

  test('a getter that throws gives null', () => {
    const doc = { heat_template_version: '2021-04-16', get parameters(): unknown { throw new Error('boom'); } };
    expect(extractInterface(doc)).toBeNull();
  });

  test('500 random documents', () => {
    // a fixed seed, so a failure can be replayed
    let seed = 0x5eed;
    const random = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const words = ['type', 'default', 'hidden', 'immutable', 'label', 'description', 'constraints', 'parameters', 'length', 'range',
      'modulo', 'min', 'max', 'step', 'offset', 'allowed_values', 'allowed_pattern', 'custom_constraint', 'properties', 'resource_def', 'value', '__proto__'];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.35) return pick<unknown>([null, 0, -1, 1.5, NaN, true, false, '', 'x', 'true', 'a.yaml', 'OS::Heat::ResourceGroup', 'OS::Nova::Server', undefined]);
      if (r < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(words), value(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const doc: Record<string, unknown> = { heat_template_version: '2021-04-16' };
      for (const section of ['description', 'parameters', 'parameter_groups', 'resources', 'outputs']) if (random() < 0.8) doc[section] = value(0);
      const iface = extractInterface(doc);
      expect(iface).not.toBeNull();
      expect(() => JSON.stringify(iface)).not.toThrow();
      const names = iface?.parameters.map((p) => p.name) ?? [];
      expect(iface?.parameterGroups.flatMap((g) => g.parameters).sort()).toEqual([...names].sort());
      expect(Object.values(iface?.resources.byType ?? {}).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(iface?.resources.total ?? 0);
    }
  });
});
