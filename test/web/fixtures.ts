// Fixture templates for the web tests, published through the REST API: versions, a deprecation, a private namespace.
import type { TestServer } from '../helpers/server';

const hot = (params: string, extra = '') => `heat_template_version: 2021-04-16
description: A web server
parameters:
  flavor:
    type: string
    label: Flavor
    default: m1.small
    constraints:
      - allowed_values: [m1.small, m1.large]
  admin_password:
    type: string
    hidden: true
    default: changeme
${params}resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: { get_param: flavor }
      image: cirros
      user_data: { get_file: scripts/install.sh }
${extra}outputs:
  ip:
    description: The address
    value: { get_attr: [server, first_address] }
`;

const manifest = (keywords: string[], license: string) => `description: Nginx behind a floating IP
keywords: [${keywords.join(', ')}]
license: ${license}
icon: logo.svg
authors:
  - name: Ada Author
`;

const DISK = 'heat_template_version: 2021-04-16\nresources:\n  volume:\n    type: OS::Cinder::Volume\n    properties:\n      size: 1\n';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#c33"/></svg>';

async function call(s: TestServer, method: string, path: string, body: unknown): Promise<void> {
  const r = await fetch(`${s.url}${path}`, { method, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
}

/** Publishes acme/web 1.0.0 (yanked), 1.1.0 (deprecated, labelled stable), 2.0.0 (breaking, with a nested template), acme/db 1.0.0 and the private secret/vault 1.0.0. */
export async function publishFixtures(s: TestServer): Promise<void> {
  const web = (version: string, params: string, readme: string, nested = false) => call(s, 'POST', '/api/v1/templates/acme/web/versions', {
    version, message: `release ${version}`,
    files: {
      ...(nested ? { 'lib/disk.yaml': DISK } : {}),
      'template.yaml': hot(params, nested ? '  disk:\n    type: lib/disk.yaml\n    depends_on: server\n' : ''), 'heater.yaml': manifest(['web', 'nginx'], 'Apache-2.0'), 'logo.svg': LOGO,
      'README.md': readme, 'scripts/install.sh': { text: '#!/bin/sh\necho hello\n', executable: true },
    },
  });
  await web('1.0.0', '', '# Web\n\nServes **nginx**.\n');
  await web('1.1.0', '  port:\n    type: number\n    default: 80\n', '# Web\n\nServes **nginx** on a port.\n');
  await web('2.0.0', '  port:\n    type: number\n    default: 80\n  key_name:\n    type: string\n    description: An SSH key\n', '# Web\n\nServes **nginx**. <script>alert(1)</script>\n\nSee [the script](scripts/install.sh).\n', true);
  await call(s, 'POST', '/api/v1/templates/acme/web/versions/1.1.0/deprecate', { message: 'Use 2.0.0' });
  await call(s, 'POST', '/api/v1/templates/acme/web/versions/1.0.0/yank', { reason: 'Breaks the network' });
  await call(s, 'PUT', '/api/v1/templates/acme/web/labels/stable', { ref: '1.1.0' });
  await call(s, 'POST', '/api/v1/templates/acme/db/versions', {
    version: '1.0.0', files: { 'template.yaml': 'heat_template_version: 2021-04-16\ndescription: PostgreSQL\nresources:\n  vol:\n    type: OS::Cinder::Volume\n    properties:\n      size: 1\n', 'heater.yaml': 'description: PostgreSQL on a volume\nkeywords: [db, postgres]\nlicense: MIT\n' },
  });
  await call(s, 'PATCH', '/api/v1/namespaces/secret', { anonymousRead: false });
  await call(s, 'POST', '/api/v1/templates/secret/vault/versions', {
    version: '1.0.0', files: { 'template.yaml': 'heat_template_version: 2021-04-16\ndescription: Vault\nresources: {}\n', 'heater.yaml': 'description: The secret vault\nkeywords: [vault]\n' },
  });
}
