// The one change Heater makes to the yaml package's lexer (src/heat/yaml.ts): indentation does not
// matter inside a flow collection, as in PyYAML. Checked without Python, so a yaml upgrade that
// renames what the change relies on fails here, in every environment.
import { Lexer, parseAllDocuments } from 'yaml';
import { parseHeatYaml, loadHeatYaml } from '../../src/heat/yaml';

// heat-templates' openshift-origin/F19/hot-template/openshift/openshift.yaml, around line 247
const FLOW_AT_KEY_COLUMN = `heat_template_version: 2013-05-23
resources:
  private_sub_network:
    type: OS::Neutron::Subnet
    properties:
        allocation_pools: [{
          "start": 10.0.0.2,
          "end": 10.0.0.20
        }]

  router:
     type: OS::Neutron::Router
`;

test('the lexer still has the method the change wraps', () => {
  expect(typeof (Lexer.prototype as unknown as { parseFlowCollection?: unknown }).parseFlowCollection).toBe('function');
});

test('a flow collection closed at its key\'s column: an error to plain yaml, read by Heater as PyYAML reads it', () => {
  expect(parseAllDocuments(FLOW_AT_KEY_COLUMN).flatMap((d) => d.errors).length).toBeGreaterThan(0);
  expect(parseHeatYaml(FLOW_AT_KEY_COLUMN).errors).toEqual([]);
  const value = loadHeatYaml(FLOW_AT_KEY_COLUMN);
  expect(value.ok && (value.value as { resources: Record<string, { properties?: unknown }> }).resources.private_sub_network?.properties)
    .toEqual({ allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.20' }] });
});
