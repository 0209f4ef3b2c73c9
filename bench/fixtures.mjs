#!/usr/bin/env node
// Deterministic fixture generator for the Heater benchmark harness.
// Called by make-fixtures.sh; not meant to be run by hand, but it can be:
//
//   node fixtures.mjs stream small  | git --git-dir=X.git fast-import --quiet
//   node fixtures.mjs stream medium | git --git-dir=Y.git fast-import --quiet
//   node fixtures.mjs many DIR N [JOBS]   # N bare repos under DIR/<ns>/<name>.git
//
// Everything is derived from fixed seeds and fixed author/committer/tagger
// dates, so the same git version produces the same commit and tag ids on any
// machine (make-fixtures.sh records them in FIXTURES.txt to check that).
// Only ASCII text is generated.
// Copied from the shared harness /work/shared/bench/fixtures.mjs; unchanged apart from this line.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

// ---------------------------------------------------------------- helpers
function rng(seed) { // mulberry32
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  next.words = (n, list = WORDS) => Array.from({ length: n }, () => next.pick(list)).join(' ');
  next.hex = (n) => { let s = ''; while (s.length < n) s += (next() * 4294967296 >>> 0).toString(16).padStart(8, '0'); return s.slice(0, n); };
  next.b64 = (nbytes) => { const b = Buffer.alloc(nbytes); for (let i = 0; i < nbytes; i++) b[i] = next.int(256); return b.toString('base64'); };
  return next;
}

const WORDS = ('network subnet router port server volume image flavor keypair security group rule ingress egress ' +
  'floating address pool listener monitor member balancer stack resource output parameter default value ' +
  'constraint range length pattern allowed custom label description hidden immutable tag metadata config ' +
  'deployment signal handle wait condition timeout count index template nested environment registry ' +
  'database cache queue worker frontend backend proxy gateway cluster node master replica shard backup ' +
  'restore snapshot archive bucket object container swift cinder nova neutron glance keystone heat octavia ' +
  'designate zone record domain dns certificate secret barbican key policy role project user quota limit ' +
  'scale alarm ceilometer aodh gnocchi metric threshold evaluation period statistic comparison operator ' +
  'upgrade rollback update replace delete create check suspend resume adopt abandon preview validate ' +
  'install configure package service daemon systemd unit journal log rotate retention compress upload').split(' ');

const NAMESPACES = ['platform', 'network', 'storage', 'compute', 'data', 'web', 'security', 'observability',
  'ci', 'edge', 'research', 'finance', 'retail', 'media', 'identity', 'messaging', 'analytics', 'gaming',
  'iot', 'hpc', 'ml', 'devtools', 'backup', 'dns', 'mail', 'search', 'payments', 'support', 'labs', 'shared',
  'team-a', 'team-b', 'team-c', 'team-d', 'team-e', 'team-f', 'team-g', 'team-h', 'ops', 'sandbox'];
const KEYWORDS = ['web', 'database', 'postgres', 'mysql', 'redis', 'kafka', 'rabbitmq', 'nginx', 'haproxy',
  'loadbalancer', 'autoscaling', 'kubernetes', 'docker', 'vpn', 'bastion', 'monitoring', 'prometheus',
  'grafana', 'logging', 'elasticsearch', 'backup', 'dns', 'mail', 'ldap', 'ci', 'jenkins', 'gitlab',
  'storage', 'ceph', 'nfs', 'gpu', 'hpc', 'ml', 'jupyter', 'spark', 'hadoop', 'cassandra', 'mongodb',
  'memcached', 'varnish', 'cdn', 'firewall', 'ids', 'vault', 'consul', 'etcd', 'zookeeper', 'minio',
  'wordpress', 'drupal', 'moodle', 'nextcloud', 'keycloak', 'sso', 'windows', 'debian', 'ubuntu', 'rocky',
  'ha', 'dr'];
const IMAGES = ['debian-12-generic-amd64', 'debian-11-generic-amd64', 'ubuntu-22.04-server', 'ubuntu-24.04-server',
  'rocky-9-genericcloud', 'fedora-coreos-40'];
const FLAVORS = ['m1.small', 'm1.medium', 'm1.large', 'm1.xlarge', 'c1.medium', 'r1.large'];
const CIDRS = ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12', '10.10.0.0/16', '0.0.0.0/0'];

const AUTHOR = 'Heater Fixture <fixture@heater.invalid>';
const BASE_EPOCH = 1704067200; // 2024-01-01T00:00:00Z

// version for the i-th release: v1.0.0 .. v1.0.9, v1.1.0 .. v1.9.9, v2.0.0 ...
function semver(i) { return `${1 + Math.floor(i / 100)}.${Math.floor(i / 10) % 10}.${i % 10}`; }

// ---------------------------------------------------------------- fast-import writer
class Stream {
  constructor(out) { this.out = out; this.mark = 0; this.buf = []; this.size = 0; }
  raw(s) { this.buf.push(s); this.size += s.length; if (this.size > 1 << 20) this.flush(); }
  data(s) { this.raw(`data ${Buffer.byteLength(s)}\n`); this.raw(s); this.raw('\n'); }
  flush() { if (this.buf.length) { this.out(this.buf.join('')); this.buf = []; this.size = 0; } }
  // files: [[mode, path, content|null(delete)]]
  commit(ref, when, msg, files, parent) {
    const m = ++this.mark;
    this.raw(`commit ${ref}\nmark :${m}\nauthor ${AUTHOR} ${when} +0000\ncommitter ${AUTHOR} ${when} +0000\n`);
    this.data(msg);
    if (parent) this.raw(`from :${parent}\n`);
    for (const [mode, path, content] of files) {
      if (content === null) { this.raw(`D ${path}\n`); continue; }
      this.raw(`M ${mode} inline ${path}\n`);
      this.data(content);
    }
    this.raw('\n');
    return m;
  }
  tag(name, mark, when, msg) {
    this.raw(`tag ${name}\nfrom :${mark}\ntagger ${AUTHOR} ${when} +0000\n`);
    this.data(msg);
  }
}

// ---------------------------------------------------------------- small: one HOT template set, 300 versions
function smallState() {
  return {
    image: IMAGES[0], flavor: 'm1.small', count: 2, volume: 20, cidr: CIDRS[0], appVersion: 1, appPort: 8080,
    monitorDelay: 5, extras: [], scriptLines: ['apt-get install -y nginx', 'systemctl enable --now nginx'],
    envNote: 'defaults for the staging region', keywords: ['web', 'loadbalancer', 'autoscaling'],
    changelog: [],
  };
}

function smallTemplate(st, version) {
  const extraParams = st.extras.map((x) => `  ${x.name}:
    type: ${x.type}
    label: ${x.label}
    description: ${x.desc}
    default: ${x.def}
`).join('');
  const extraGroup = st.extras.map((x) => `      - ${x.name}\n`).join('');
  return `heat_template_version: 2018-08-31

description: >
  Web tier for the Heater benchmark fixture: a load-balanced group of
  application servers behind an Octavia listener, with a security group,
  a data volume per server and a floating IP. Release ${version}.

parameter_groups:
  - label: Compute
    description: Where and how the application servers run
    parameters:
      - key_name
      - image
      - flavor
      - server_count
      - volume_size
  - label: Network
    description: Networks, addresses and exposure
    parameters:
      - private_net
      - private_subnet
      - public_net
      - allowed_cidr
      - app_port
  - label: Application
    description: What the servers install and run
    parameters:
      - app_version
      - monitor_delay
${extraGroup}
parameters:
  key_name:
    type: string
    label: Key pair
    description: Name of an existing key pair to enable SSH access to the servers
    constraints:
      - custom_constraint: nova.keypair
  image:
    type: string
    label: Image
    description: Glance image the servers boot from
    default: ${st.image}
    constraints:
      - custom_constraint: glance.image
  flavor:
    type: string
    label: Flavor
    description: Nova flavor of each application server
    default: ${st.flavor}
    constraints:
      - allowed_values: [${FLAVORS.join(', ')}]
        description: Must be one of the flavors this template was tested with
  server_count:
    type: number
    label: Number of servers
    description: How many application servers the group holds
    default: ${st.count}
    constraints:
      - range: { min: 1, max: 20 }
  volume_size:
    type: number
    label: Data volume size (GB)
    description: Size of the data volume attached to each server
    default: ${st.volume}
    constraints:
      - range: { min: 1, max: 1024 }
  private_net:
    type: string
    label: Private network
    description: Network the servers and the load balancer attach to
    constraints:
      - custom_constraint: neutron.network
  private_subnet:
    type: string
    label: Private subnet
    description: Subnet the load balancer VIP is allocated from
    constraints:
      - custom_constraint: neutron.subnet
  public_net:
    type: string
    label: Public network
    description: External network for the floating IP
    default: public
  allowed_cidr:
    type: string
    label: Allowed CIDR
    description: Source range allowed to reach the application port
    default: ${st.cidr}
  app_port:
    type: number
    label: Application port
    description: TCP port the application listens on
    default: ${st.appPort}
    constraints:
      - range: { min: 1024, max: 65535 }
  app_version:
    type: string
    label: Application version
    description: Version of the application package to install
    default: "3.${st.appVersion}.0"
  monitor_delay:
    type: number
    label: Health check interval
    description: Seconds between two load balancer health checks
    default: ${st.monitorDelay}
${extraParams}
resources:
  security_group:
    type: OS::Neutron::SecurityGroup
    properties:
      description: Application servers
      rules:
        - protocol: tcp
          port_range_min: { get_param: app_port }
          port_range_max: { get_param: app_port }
          remote_ip_prefix: { get_param: allowed_cidr }
        - protocol: tcp
          port_range_min: 22
          port_range_max: 22
          remote_ip_prefix: { get_param: allowed_cidr }

  install_config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: ungrouped
      config:
        str_replace:
          template: { get_file: scripts/install.sh }
          params:
            $APP_VERSION: { get_param: app_version }
            $APP_PORT: { get_param: app_port }

  server_group:
    type: OS::Heat::ResourceGroup
    properties:
      count: { get_param: server_count }
      resource_def:
        type: OS::Nova::Server
        properties:
          name: app-%index%
          image: { get_param: image }
          flavor: { get_param: flavor }
          key_name: { get_param: key_name }
          networks:
            - network: { get_param: private_net }
          security_groups:
            - { get_resource: security_group }
          user_data_format: SOFTWARE_CONFIG
          user_data: { get_resource: install_config }

  data_volume:
    type: OS::Cinder::Volume
    properties:
      size: { get_param: volume_size }

  loadbalancer:
    type: OS::Octavia::LoadBalancer
    properties:
      vip_subnet: { get_param: private_subnet }

  listener:
    type: OS::Octavia::Listener
    properties:
      loadbalancer: { get_resource: loadbalancer }
      protocol: HTTP
      protocol_port: 80

  pool:
    type: OS::Octavia::Pool
    properties:
      listener: { get_resource: listener }
      lb_algorithm: ROUND_ROBIN
      protocol: HTTP

  monitor:
    type: OS::Octavia::HealthMonitor
    properties:
      pool: { get_resource: pool }
      type: HTTP
      delay: { get_param: monitor_delay }
      max_retries: 3
      timeout: 5

  floating_ip:
    type: OS::Neutron::FloatingIP
    properties:
      floating_network: { get_param: public_net }
      port_id: { get_attr: [loadbalancer, vip_port_id] }

outputs:
  app_url:
    description: URL of the application behind the load balancer
    value:
      str_replace:
        template: http://HOST/
        params:
          HOST: { get_attr: [floating_ip, floating_ip_address] }
  server_ips:
    description: Private addresses of the application servers
    value: { get_attr: [server_group, first_address] }
  security_group_id:
    description: Security group applied to the servers
    value: { get_resource: security_group }
  volume_id:
    description: Identifier of the data volume
    value: { get_resource: data_volume }
`;
}

function smallEnv(st) {
  return `# Environment for the Heater benchmark fixture: ${st.envNote}
parameter_defaults:
  image: ${st.image}
  flavor: ${st.flavor}
  server_count: ${st.count}
  allowed_cidr: ${st.cidr}
  app_port: ${st.appPort}

resource_registry:
  OS::Heater::WebTier: template.yaml
`;
}

function smallScript(st) {
  return `#!/bin/bash
# Installs and starts the application on first boot (rendered by Heat).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
APP_VERSION="$APP_VERSION"
APP_PORT="$APP_PORT"
apt-get update -q
${st.scriptLines.join('\n')}
mkdir -p /srv/app
echo "version=$APP_VERSION port=$APP_PORT" > /srv/app/release
`;
}

function smallManifest(st) {
  return `description: Load-balanced web tier with health checks and per-server volumes
keywords: [${st.keywords.join(', ')}]
metadata:
  team: platform
  tier: web
entrypoint: template.yaml
authors:
  - Heater Fixture <fixture@heater.invalid>
license: Apache-2.0
`;
}

function smallReadme(st) {
  return `# web-tier

A load-balanced group of application servers, the Heater benchmark fixture.

    openstack stack create -t template.yaml -e environment.yaml web

## Changes
${st.changelog.slice().reverse().map((l) => `- ${l}`).join('\n')}
`;
}

function genSmall(out, count = 300) {
  const r = rng(42);
  const s = new Stream(out);
  const st = smallState();
  let parent = 0;
  let prev = {};
  for (let i = 0; i < count; i++) {
    const version = semver(i);
    const notes = [];
    if (i > 0) {
      const n = 1 + r.int(2);
      for (let k = 0; k < n; k++) {
        switch (r.int(9)) {
          case 0: st.image = r.pick(IMAGES); notes.push(`default image ${st.image}`); break;
          case 1: st.flavor = r.pick(FLAVORS); notes.push(`default flavor ${st.flavor}`); break;
          case 2: st.count = 1 + r.int(6); notes.push(`${st.count} servers by default`); break;
          case 3: st.volume = 10 * (1 + r.int(20)); notes.push(`volumes of ${st.volume} GB`); break;
          case 4: st.cidr = r.pick(CIDRS); st.envNote = `defaults for ${r.words(2)}`; notes.push(`allow ${st.cidr}`); break;
          case 5: st.appVersion++; notes.push(`application 3.${st.appVersion}.0`); break;
          case 6: {
            const line = `echo "${r.words(3)}" >> /etc/motd`;
            if (st.scriptLines.length > 8) st.scriptLines.splice(2 + r.int(st.scriptLines.length - 2), 1);
            st.scriptLines.push(line); notes.push('install script tweak'); break;
          }
          case 7: {
            if (st.extras.length < 3) {
              const w = r.pick(WORDS);
              const name = `enable_${w}_${st.extras.length}`;
              st.extras.push({ name, type: 'boolean', label: `Enable ${w}`, desc: `Turns the ${w} option on`, def: 'false' });
              notes.push(`new parameter ${name}`);
            } else {
              const x = r.pick(st.extras);
              x.def = x.def === 'false' ? 'true' : 'false'; notes.push(`${x.name} defaults to ${x.def}`);
            }
            break;
          }
          default: st.monitorDelay = 3 + r.int(10); notes.push(`health check every ${st.monitorDelay}s`); break;
        }
      }
      if (r.int(20) === 0) {
        const kw = r.pick(KEYWORDS);
        if (!st.keywords.includes(kw) && st.keywords.length < 8) { st.keywords.push(kw); notes.push(`keyword ${kw}`); }
      }
    } else notes.push('first release');
    st.changelog.push(`${version}: ${notes.join('; ')}`);
    const files = {
      'template.yaml': ['100644', smallTemplate(st, version)],
      'environment.yaml': ['100644', smallEnv(st)],
      'scripts/install.sh': ['100755', smallScript(st)],
      'heater.yaml': ['100644', smallManifest(st)],
      'README.md': ['100644', smallReadme(st)],
    };
    const changed = [];
    for (const [path, [mode, content]] of Object.entries(files)) {
      if (prev[path] !== content) changed.push([mode, path, content]);
      prev[path] = content;
    }
    const when = BASE_EPOCH + i * 3600;
    parent = s.commit('refs/heads/main', when, `Release ${version}\n\n${notes.join('\n')}\n`, changed, parent);
    s.tag(`v${version}`, parent, when + 60, `Version ${version}\n`);
  }
  s.flush();
}

// ---------------------------------------------------------------- medium: ~2,000 files, ~40 MB of history, 50 tags
function mediumFile(r, kind, id, gen) {
  switch (kind) {
    case 'template.yaml': {
      const lines = [`heat_template_version: 2021-04-16`, `description: ${r.words(10)} (${id} rev ${gen})`, 'parameters:'];
      for (let p = 0; p < 25; p++) lines.push(`  p_${r.pick(WORDS)}_${p}:`, `    type: string`, `    description: ${r.words(8)}`, `    default: ${r.hex(16)}`);
      lines.push('resources:');
      for (let k = 0; k < 15; k++) lines.push(`  r_${k}:`, `    type: OS::Heat::Value`, `    properties:`, `      value: ${r.words(6)} ${r.hex(24)}`);
      lines.push('  user_data:', '    type: OS::Heat::CloudConfig', '    properties:', '      cloud_config:', '        write_files:', '          - path: /etc/app/blob.bin', '            encoding: b64', '            content: |');
      const b = r.b64(5400);
      for (let o = 0; o < b.length; o += 76) lines.push('              ' + b.slice(o, o + 76));
      lines.push('outputs:', '  id:', '    value: { get_resource: r_0 }');
      return lines.join('\n') + '\n';
    }
    case 'environment.yaml': {
      const lines = ['parameter_defaults:'];
      for (let p = 0; p < 60; p++) lines.push(`  ${r.pick(WORDS)}_${p}: ${r.words(3)} ${r.hex(8)}`);
      return lines.join('\n') + '\n';
    }
    case 'setup.sh': {
      const lines = ['#!/bin/sh', 'set -eu'];
      for (let p = 0; p < 160; p++) lines.push(`echo "${r.words(4)}" # ${r.hex(12)}`);
      return lines.join('\n') + '\n';
    }
    case 'README.md': {
      const lines = [`# ${id}`, ''];
      for (let p = 0; p < 70; p++) lines.push(r.words(12) + '.');
      return lines.join('\n') + '\n';
    }
    default:
      return `description: ${r.words(8)}\nkeywords: [${r.pick(KEYWORDS)}, ${r.pick(KEYWORDS)}]\nentrypoint: template.yaml\n`;
  }
}

function genMedium(out, tags = 50) {
  const r = rng(7);
  const s = new Stream(out);
  const kinds = ['template.yaml', 'environment.yaml', 'setup.sh', 'README.md', 'heater.yaml'];
  const paths = [];
  for (let d = 0; d < 400; d++) {
    const area = `area-${String(d % 20).padStart(2, '0')}`;
    const id = `tpl-${String(d).padStart(3, '0')}`;
    for (const k of kinds) paths.push({ path: `catalog/${area}/${id}/${k === 'setup.sh' ? 'scripts/setup.sh' : k}`, kind: k, id });
  }
  const content = new Map();
  let parent = 0;
  for (let i = 0; i < tags; i++) {
    const version = semver(i);
    const changed = [];
    if (i === 0) {
      for (const p of paths) { const c = mediumFile(r, p.kind, p.id, 0); content.set(p.path, c); changed.push(['100644', p.path, c]); }
    } else {
      const touched = new Set();
      for (let k = 0; k < 40; k++) { // rewrite whole files (do not delta)
        const p = paths[r.int(paths.length)]; if (touched.has(p.path)) continue; touched.add(p.path);
        const c = mediumFile(r, p.kind, p.id, i); content.set(p.path, c); changed.push(['100644', p.path, c]);
      }
      for (let k = 0; k < 40; k++) { // small edits (delta well)
        const p = paths[r.int(paths.length)]; if (touched.has(p.path)) continue; touched.add(p.path);
        const lines = content.get(p.path).split('\n');
        const at = 1 + r.int(Math.max(1, lines.length - 2));
        lines.splice(at, 1, `${lines[at]} # edited in ${version}: ${r.words(5)}`);
        const c = lines.join('\n'); content.set(p.path, c); changed.push(['100644', p.path, c]);
      }
    }
    const when = BASE_EPOCH + i * 86400;
    parent = s.commit('refs/heads/main', when, `Catalog release ${version}\n`, changed, parent);
    s.tag(`v${version}`, parent, when + 60, `Catalog ${version}\n`);
  }
  s.flush();
}

// ---------------------------------------------------------------- many: N small template repos, 3 tags each
function manyRepo(i) {
  const r = rng(100003 + i);
  const ns = NAMESPACES[i % NAMESPACES.length];
  const name = `${r.pick(WORDS)}-${r.pick(WORDS)}-${String(i).padStart(5, '0')}`;
  const kws = [...new Set([r.pick(KEYWORDS), r.pick(KEYWORDS), r.pick(KEYWORDS)])];
  const desc = `${r.words(6)} for ${kws.join(' and ')}`;
  const chunks = [];
  const s = new Stream((x) => chunks.push(x));
  let parent = 0;
  const versions = ['1.0.0', '1.1.0', '2.0.0'];
  for (let v = 0; v < 3; v++) {
    const params = Array.from({ length: 4 + v }, (_, p) => `  p${p}:\n    type: string\n    description: ${r.words(5)}\n    default: ${r.pick(WORDS)}\n`).join('');
    const tpl = `heat_template_version: 2021-04-16\ndescription: ${desc} (v${versions[v]})\nparameters:\n${params}resources:\n  server:\n    type: OS::Nova::Server\n    properties:\n      image: ${r.pick(IMAGES)}\n      flavor: { get_param: p0 }\noutputs:\n  id:\n    value: { get_resource: server }\n`;
    const manifest = `description: ${desc}\nkeywords: [${kws.join(', ')}]\nmetadata:\n  team: ${ns}\n  tier: ${r.pick(['web', 'data', 'batch', 'edge'])}\n  cloud: ${r.pick(['region-a', 'region-b', 'region-c'])}\nentrypoint: template.yaml\nlicense: Apache-2.0\n`;
    const env = `parameter_defaults:\n  p0: ${r.pick(FLAVORS)}\n`;
    const readme = `# ${name}\n\n${desc}.\n\n${r.words(30)}.\n`;
    const when = BASE_EPOCH + (i % 1000) * 60 + v * 86400;
    parent = s.commit('refs/heads/main', when, `Release ${versions[v]}\n`, [
      ['100644', 'template.yaml', tpl], ['100644', 'heater.yaml', manifest],
      ['100644', 'environment.yaml', env], ['100644', 'README.md', readme]], parent);
    s.tag(`v${versions[v]}`, parent, when + 60, `Version ${versions[v]}\n`);
  }
  s.flush();
  return { ns, name, stream: chunks.join('') };
}

function runImport(gitDir, stream) {
  return new Promise((resolve, reject) => {
    const p = spawn('git', ['-c', 'fastimport.unpackLimit=0', 'fast-import', '--quiet', '--done'], { env: { ...process.env, GIT_DIR: gitDir }, stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fast-import into ${gitDir} exited ${code}`))));
    p.stdin.end(stream + 'done\n');
  });
}

function initBare(gitDir) { // what `git init --bare --template=<empty>` writes, without a process
  for (const d of ['objects/pack', 'objects/info', 'refs/heads', 'refs/tags']) mkdirSync(join(gitDir, d), { recursive: true });
  writeFileSync(join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(gitDir, 'config'), '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n');
}

async function genMany(dir, n, jobs) {
  let next = 0, done = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const { ns, name, stream } = manyRepo(i);
      const gitDir = join(dir, ns, `${name}.git`);
      if (existsSync(join(gitDir, 'refs/tags/v2.0.0'))) { done++; continue; }
      initBare(gitDir);
      await runImport(gitDir, stream);
      if (++done % 1000 === 0) process.stderr.write(`  many: ${done}/${n}\n`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

// ---------------------------------------------------------------- main
const [cmd, a, b, c] = process.argv.slice(2);
if (cmd === 'stream' && a === 'small') { genSmall((x) => process.stdout.write(x)); process.stdout.write('done\n'); }
else if (cmd === 'stream' && a === 'medium') { genMedium((x) => process.stdout.write(x)); process.stdout.write('done\n'); }
else if (cmd === 'many' && a && Number(b) > 0) await genMany(a, Number(b), Math.max(1, Number(c) || 2));
else { process.stderr.write('usage: fixtures.mjs stream small|medium | fixtures.mjs many DIR N [JOBS]\n'); process.exit(2); }
