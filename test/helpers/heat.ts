// A real Heat client (python3-heatclient) as a test client: what it makes of a template URL, and a template set that uses get_file and a nested template.
import { execFile } from 'node:child_process';

const PYTHON = '/usr/bin/python3'; // Debian's python, where apt puts heatclient (a pyenv python3 may be first on PATH)

/** A template whose user_data comes from scripts/install.sh and whose `data` is nested/volume.yaml. */
export const TEMPLATE = `heat_template_version: 2021-04-16
resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: m1.small
      user_data: { get_file: scripts/install.sh }
  data:
    type: nested/volume.yaml
`;

/** The nested template: it reads ../scripts/setup.sh, relative to itself. */
export const NESTED = `heat_template_version: 2021-04-16
resources:
  vol:
    type: OS::Cinder::Volume
    properties:
      metadata:
        setup: { get_file: ../scripts/setup.sh }
`;

/**
 * What heatclient's template_utils.get_template_contents makes of a template URL: the template and
 * its files by URL; rejects with heatclient's error. Async: the server under test runs in this
 * process and must keep answering while heatclient fetches.
 */
export function heatLoad(url: string): Promise<{ template: Record<string, unknown>; files: Record<string, string> }> {
  const script = `
import json, sys
from heatclient.common import template_utils
files, template = template_utils.get_template_contents(template_url=sys.argv[1])
files = {k: v.decode("utf-8") if isinstance(v, bytes) else v for k, v in files.items()}  # heatclient keeps get_file bodies as bytes
print(json.dumps({"template": template, "files": files}, default=str))
`;
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', script, url], { env: { ...process.env, no_proxy: '*' }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) { reject(new Error(`heatclient failed (is python3-heatclient installed? .ci/run installs it): ${stderr}`)); return; }
      resolve(JSON.parse(stdout) as { template: Record<string, unknown>; files: Record<string, string> });
    });
  });
}
