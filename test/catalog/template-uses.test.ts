// Uses of other Heater templates, read from YAML texts by URL path shape: pure, no server.
import { templateUses } from '../../src/catalog/template-uses';
import { parseTemplateUrl, useKind } from '../../src/registry/template-url';

test.each([
  ['https://heater.example.com/api/v1/templates/acme/base/versions/1.2.0/files/template.yaml', 'acme/base', '1.2.0', 'version', 'template.yaml'],
  ['http://10.0.0.5:8080/api/v1/templates/acme/base/versions/%5E1.2/files/nested/a.yaml', 'acme/base', '^1.2', 'range', 'nested/a.yaml'],
  ['/api/v1/templates/acme/base/versions/stable/files/template.yaml', 'acme/base', 'stable', 'label', 'template.yaml'],
  ['https://h/l/abc.def-ghi/api/v1/templates/acme/base/versions/latest/files/t.yaml', 'acme/base', 'latest', 'latest', 't.yaml'],
  ['https://h/heater/api/v1/templates/acme/base/versions/~1.0.0/files/t.yaml?x=1', 'acme/base', '~1.0.0', 'range', 't.yaml'],
  ['/api/v1/templates/acme/base/versions/1.x/files/t.yaml', 'acme/base', '1.x', 'range', 't.yaml'],
  ['/api/v1/templates/acme/base/versions/0123abcd/files/t.yaml', 'acme/base', '0123abcd', 'commit', 't.yaml'],
])('%s names %s at %s (%s)', (url, template, ref, kind, file) => {
  expect(parseTemplateUrl(url)).toEqual({ template, ref, kind, path: file });
});

test.each([
  ['OS::Nova::Server'], ['lb_server.yaml'], ['https://example.com/templates/web.yaml'],
  ['/api/v1/templates/ACME/base/versions/1.0.0/files/t.yaml'], ['/api/v1/templates/acme/base/versions/%E0%A4%A/files/t.yaml'],
  ['/api/v1/templates/acme/base/versions/1.0.0/archive.tar.gz'],
])('%s is not a use of a Heater template', (url) => {
  expect(parseTemplateUrl(url)).toBeNull();
});

test('useKind reads a ref as the resolver tries it', () => {
  expect(['latest', 'v1.0.0', '2.0.0-rc.1', '>=1.0.0 <2.0.0', '*', 'prod', 'deadbeef'].map(useKind)).toEqual(['latest', 'version', 'version', 'range', 'range', 'label', 'commit']);
});

test('nested types (also inside a resource group) and environment registries, each use once', () => {
  const base = (ref: string) => `https://h/api/v1/templates/acme/base/versions/${ref}/files/template.yaml`;
  const texts = new Map([
    ['template.yaml', `heat_template_version: 2021-04-16
resources:
  web:
    type: ${base('1.0.0')}
  again:
    type: ${base('1.0.0')}
  group:
    type: OS::Heat::ResourceGroup
    properties:
      resource_def:
        type: ${base('^1')}
  local:
    type: lb_server.yaml
`],
    ['env.yaml', `resource_registry:
  "Acme::Base": ${base('stable')}
  resources:
    web:
      "OS::Nova::Server": ${base('latest')}
`],
    ['notes.yaml', `resource_registry: just text\n`],
  ]);
  expect(templateUses(texts).map((u) => [u.file, u.via, u.name, u.ref, u.kind])).toEqual([
    ['env.yaml', 'environment', 'Acme::Base', 'stable', 'label'],
    ['env.yaml', 'environment', 'resources.web.OS::Nova::Server', 'latest', 'latest'],
    ['template.yaml', 'nested', 'web', '1.0.0', 'version'],
    ['template.yaml', 'nested', 'again', '1.0.0', 'version'],
    ['template.yaml', 'nested', 'group', '^1', 'range'],
  ]);
});
