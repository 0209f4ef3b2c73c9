// The client commands against a real server: publish (and --dry-run), search, info, versions, diff, labels, marks, links, changelog, dependents; usage errors.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { CliUser } from '../helpers/cli';
import { hotTemplate } from '../helpers/git-client';

let server: TestServer;
let user: CliUser;
let work: string;

/** A template folder under `work` with these files (an executable one when its name ends in .sh). */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text, { mode: p.endsWith('.sh') ? 0o755 : 0o644 });
  }
  return dir;
}
const withoutOutput = (n: number) => hotTemplate(n).replace(/outputs:[\s\S]*$/, '');
const auditLines = () => fs.readFileSync(path.join(server.reposDir, '.heater', 'audit.log'), 'utf8').trim().split('\n').length;

beforeAll(async () => {
  server = await startServer();
  user = CliUser.create();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'heater-cli-work-'));
  expect((await user.run(['login', server.url, '--token-stdin'], { input: TOKEN })).code).toBe(0);
});
afterAll(async () => {
  await server.close();
  user.remove();
  fs.rmSync(work, { recursive: true, force: true });
  expect(fs.existsSync(user.home) || fs.existsSync(work)).toBe(false);
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});

describe('publish', () => {
  test('a folder becomes a version: every file, the executable bit kept, .git left out', async () => {
    const dir = folder('web', { 'template.yaml': hotTemplate(1, true), 'scripts/install.sh': '#!/bin/sh\n', 'heater.yaml': 'description: A web server\nkeywords: [web, nginx]\n', '.git/HEAD': 'ref: refs/heads/main\n' });
    const r = await user.json<{ template: string; version: string; tag: string; commit: string; warnings: string[] }>(['publish', dir, '-t', 'cli/web', '--version', '1.0.0', '-m', 'First']);
    expect(r).toMatchObject({ code: 0, body: { template: 'cli/web', version: '1.0.0', tag: 'v1.0.0', message: 'First', warnings: [] } });
    expect(r.body.commit).toMatch(/^[0-9a-f]{40}$/);
    const files = (await (await fetch(`${server.url}/api/v1/templates/cli/web/versions/1.0.0`)).json() as { files: { path: string; mode: string }[] }).files;
    expect(files.map((f) => [f.path, f.mode])).toEqual([['heater.yaml', '100644'], ['scripts/install.sh', '100755'], ['template.yaml', '100644']]);
    const human = await user.run(['publish', folder('web', { 'template.yaml': hotTemplate(2, true), 'scripts/install.sh': '#!/bin/sh\n', 'heater.yaml': 'description: A web server\nkeywords: [web, nginx]\n' }), '-t', 'cli/web', '--version', '1.1.0']);
    expect(human).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(/^Published cli\/web 1\.1\.0 \(tag v1\.1\.0, commit [0-9a-f]{12}\)\n$/);
  });

  test('--dry-run says the bump the changes need and writes nothing: no ref, no audit line', async () => {
    const dir = folder('web-next', { 'template.yaml': withoutOutput(3) });
    const versionsBefore = await user.json<{ versions: unknown[] }>(['versions', 'cli/web']);
    const audit = auditLines();
    const dry = await user.json<Record<string, unknown>>(['publish', dir, '-t', 'cli/web', '--version', '1.1.1', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, body: { dryRun: true, version: '1.1.1', against: '1.1.0', required: 'major', actual: 'patch', ok: false, semver: 'warn' } });
    const human = await user.run(['publish', dir, '-t', 'cli/web', '--version', '2.0.0', '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toBe('Dry run: cli/web 2.0.0 would be published; nothing was written.\nsemver: the changes since 1.1.0 need a major bump; 2.0.0 is a major step: enough\n');
    expect(await user.json(['versions', 'cli/web'])).toEqual(versionsBefore);
    expect(auditLines()).toBe(audit);
  });

  test.each([
    ['files that do not validate', 4, () => folder('broken', { 'template.yaml': 'heat_template_version: 2021-04-16\nresources: [\n' }), '3.0.0', 'validation-failed'],
    ['a version that exists', 4, () => folder('again', { 'template.yaml': hotTemplate(1) }), 'v1.0.0', 'version-exists'],
    ['a version that is not exact', 2, () => folder('range', { 'template.yaml': hotTemplate(1) }), '^2', 'invalid-input'],
  ])('a refused publish (%s) is exit %i with the server\'s detail in one line, and its problem with --json', async (_what, code, dir, version, problemCode) => {
    for (const dryRun of [[], ['--dry-run']]) {
      const r = await user.run(['publish', dir(), '-t', 'cli/web', '--version', version, ...dryRun]);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^heater publish: [^\n]+\n/);
      const j = await user.json<{ error: { exit: number; problem: { code: string } } }>(['publish', dir(), '-t', 'cli/web', '--version', version, ...dryRun]);
      expect(j.code).toBe(code);
      expect(j.body.error).toMatchObject({ exit: code, problem: { code: problemCode } });
    }
  });

  test('a validation refusal lists every problem under its one-line detail', async () => {
    const r = await user.run(['publish', folder('broken2', { 'template.yaml': 'heat_template_version: 2021-04-16\nresources: [\n' }), '-t', 'cli/web', '--version', '3.0.0']);
    const [first, ...rest] = r.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^heater publish: Version 3\.0\.0 of cli\/web does not validate: \d+ problems?, listed in "problems"\.$/);
    expect(rest.length).toBeGreaterThan(0);
    for (const l of rest) expect(l).toMatch(/^ {2}template\.yaml:\d+:\d+: .+ \(.+\)$/);
  });

  test('a folder with a symbolic link, or an empty one, is refused before anything is sent (exit 2)', async () => {
    const dir = folder('linked', { 'template.yaml': hotTemplate(1) });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd'));
    expect(await user.run(['publish', dir, '-t', 'cli/linked', '--version', '1.0.0'])).toMatchObject({ code: 2, stderr: `heater publish: ${dir}/passwd is a symbolic link; a version holds regular files and folders only\n` });
    fs.mkdirSync(path.join(work, 'empty'));
    expect((await user.run(['publish', path.join(work, 'empty'), '-t', 'cli/linked', '--version', '1.0.0'])).code).toBe(2);
    expect((await user.run(['info', 'cli/linked'])).code).toBe(3);
  });

  test('without --template, the folder\'s origin names it: a clone of the Heater remote publishes to its template', async () => {
    const clone = path.join(work, 'clone');
    const git = (args: string[]) => execFileSync('git', args, { cwd: clone, stdio: 'pipe' });
    fs.mkdirSync(clone);
    git(['init', '-q']);
    git(['remote', 'add', 'origin', `${server.url}/clones/cloned.git`]);
    fs.writeFileSync(path.join(clone, 'template.yaml'), hotTemplate(1));
    const r = await user.json<{ template: string; version: string }>(['publish', clone, '--version', '1.0.0']);
    expect(r).toMatchObject({ code: 0, body: { template: 'clones/cloned', version: '1.0.0' } });
    git(['remote', 'set-url', 'origin', 'https://example.com/not/a/heater/remote']);
    const refused = await user.run(['publish', clone, '--version', '1.0.1']);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not a clone of a Heater template .*--template NS\/NAME\n$/) });
    expect((await user.run(['publish', folder('plain', { 'template.yaml': hotTemplate(1) }), '--version', '1.0.0'])).code).toBe(2);
  });
});

describe('on a terminal', () => {
  test('tables are coloured, unless NO_COLOR is set; --json never is', async () => {
    const coloured = await user.onTerminal(['versions', 'cli/web']);
    expect(coloured.code).toBe(0);
    expect(coloured.screen).toContain('\x1b[1mVERSION');
    const plain = await user.onTerminal(['versions', 'cli/web'], { env: { NO_COLOR: '1' } });
    expect(plain.screen).toMatch(/^VERSION +CREATED/);
    expect(plain.screen).not.toContain('\x1b[');
    const json = await user.onTerminal(['versions', 'cli/web', '--json']);
    expect(json.screen).not.toContain('\x1b[');
    expect(JSON.parse(json.screen)).toMatchObject({ template: 'cli/web' });
  });

  test('publish shows its upload as a progress line, then clears it', async () => {
    const dir = folder('big', { 'template.yaml': hotTemplate(9), 'data/blob.txt': 'x'.repeat(300_000) });
    const r = await user.onTerminal(['publish', dir, '-t', 'cli/web', '--version', '9.0.0', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/\r\x1b\[2Kpublish cli\/web 9\.0\.0: 2 files, [\d.]+ KiB of [\d.]+ KiB sent/);
    expect(r.screen).toContain('files sent');
    expect(r.screen).toMatch(/\r\x1b\[2KDry run: cli\/web 9\.0\.0 would be published/);
  });
});

describe('reading', () => {
  test('search: a table for people, the server\'s page with --json, filters passed on', async () => {
    const table = await user.run(['search', 'web', '--keyword', 'nginx']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^TEMPLATE +LATEST +UPDATED +DESCRIPTION$/);
    expect(table.stdout).toMatch(/^cli\/web +1\.1\.0 +\d{4}-\d\d-\d\d +A web server$/m);
    const page = await user.json<{ items: { id: string }[]; total: number; nextCursor: string | null }>(['search', '--namespace', 'cli', '--parameter', 'flavor', '--resource-type', 'OS::Nova::*', '--sort', 'updated', '--limit', '5']);
    expect(page.body).toMatchObject({ total: 1, nextCursor: null, items: [{ id: 'cli/web' }] });
    expect((await user.json<{ items: unknown[] }>(['search', '--keyword', 'no-such-keyword'])).body.items).toEqual([]);
  });

  test('info and versions', async () => {
    const info = await user.json<{ id: string; latestVersion: string; versionCount: number }>(['info', 'cli/web']);
    expect(info.body).toMatchObject({ id: 'cli/web', latestVersion: '1.1.0', versionCount: 2 });
    const human = await user.run(['info', 'cli/web']);
    expect(human.stdout).toContain('  latest:      1.1.0\n');
    const versions = await user.json<{ versions: { version: string }[] }>(['versions', 'cli/web']);
    expect(versions.body.versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
    expect((await user.run(['versions', 'cli/web'])).stdout).toMatch(/^VERSION +CREATED +AUTHOR +STATUS +MESSAGE\n1\.1\.0 +\d{4}-\d\d-\d\d +admin +Release 1\.1\.0\n1\.0\.0 .* First\n$/);
  });

  test('diff: the patch as git prints it, JSON with --json, YAML as data with --structural', async () => {
    const patch = await user.run(['diff', 'cli/web', '1.0.0', '1.1.0']);
    expect(patch.code).toBe(0);
    expect(patch.stdout).toMatch(/^diff --git a\/template\.yaml b\/template\.yaml\n/);
    expect(patch.stdout).toContain('-description: Web server, revision 1\n+description: Web server, revision 2\n');
    const json = await user.json<{ from: { version: string }; to: { version: string }; files: { path: string }[] }>(['diff', 'cli/web', '1.0.0', 'latest']);
    expect(json.body).toMatchObject({ from: { version: '1.0.0' }, to: { version: '1.1.0' }, files: [{ path: 'template.yaml' }] });
    const structural = await user.run(['diff', 'cli/web', '1.0.0', '1.1.0', '--structural']);
    expect(structural.stdout).toBe('template.yaml\n  description: changed "Web server, revision 1" -> "Web server, revision 2"\n');
    expect((await user.run(['diff', 'cli/web', '1.0.0', '9.9.9'])).code).toBe(3);
  });
});

describe('writing', () => {
  test('label: set, moved, removed; a missing one is exit 3', async () => {
    const set = await user.json<{ label: string; version: string }>(['label', 'cli/web', 'stable', '^1.0']);
    expect(set).toMatchObject({ code: 0, body: { label: 'stable', version: '1.1.0' } });
    expect((await user.run(['label', 'cli/web', 'stable', '1.0.0'])).stdout).toMatch(/^Label stable of cli\/web -> 1\.0\.0 \(commit [0-9a-f]{12}\)\n$/);
    expect((await user.json<{ labels: { name: string; version: string }[] }>(['info', 'cli/web'])).body.labels).toEqual([expect.objectContaining({ name: 'stable', version: '1.0.0' })]);
    expect(await user.json(['label', 'cli/web', 'stable', '--delete'])).toMatchObject({ code: 0, body: { template: 'cli/web', label: 'stable', deleted: true } });
    expect((await user.run(['label', 'cli/web', 'stable', '--delete'])).code).toBe(3);
    expect((await user.run(['label', 'cli/web', '1.2.0', 'latest'])).code).toBe(2); // a label named like a version: the server's 400
  });

  test('deprecate and yank, and --undo', async () => {
    const dep = await user.json<{ deprecated: { message: string } }>(['deprecate', 'cli/web', '1.0.0', '--message', 'use 1.1.0']);
    expect(dep.body.deprecated).toMatchObject({ message: 'use 1.1.0', by: 'admin' });
    const yank = await user.json<{ yanked: { message: string } }>(['yank', 'cli/web', '1.1.0', '--reason', 'breaks DNS']);
    expect(yank.body.yanked).toMatchObject({ message: 'breaks DNS' });
    expect((await user.json<{ latestVersion: string }>(['info', 'cli/web'])).body.latestVersion).toBe('1.0.0');
    expect((await user.run(['versions', 'cli/web'])).stdout).toMatch(/^1\.1\.0 .* yanked .*\n1\.0\.0 .* deprecated .*$/m);
    expect((await user.run(['yank', 'cli/web', '1.1.0', '--undo'])).stdout).toBe('cli/web 1.1.0 is no longer yanked\n');
    expect((await user.json<{ deprecated: null }>(['deprecate', 'cli/web', '1.0.0', '--undo'])).body.deprecated).toBeNull();
    expect((await user.run(['yank', 'cli/web', '7.0.0', '--reason', 'x'])).code).toBe(3);
  });

  test('link: the URL alone on stdout, readable without a token', async () => {
    const r = await user.run(['link', 'cli/web@^1.0', '--expires', '1h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/l\/[^/]+\/api\/v1\/templates\/cli\/web\/versions\/1\.1\.0\/files\/template\.yaml\n$/);
    const file = await fetch(r.stdout.trim());
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(hotTemplate(2, true));
    const whole = await user.json<{ version: null; cloneUrl: string }>(['link', 'cli/web']);
    expect(whole.body).toMatchObject({ version: null, cloneUrl: expect.stringMatching(/\/cli\/web\.git$/) });
    expect((await user.run(['link', 'cli/web', '--expires', 'forever'])).code).toBe(2);
  });

  test('the operator link commands keep their form beside the client one', async () => {
    const r = await user.run(['link', 'rotate-secret', '--repos', server.reposDir]);
    expect(r).toMatchObject({ code: 0, stderr: 'heater: rotated the link secret; every read link signed before is revoked.\n' });
    expect((await user.run(['link'])).stderr).toMatch(/^Usage:\n {2}heater link rotate-secret/);
    expect((await user.run(['link', '--help'])).stdout).toContain('heater link revoke NAMESPACE/NAME ID [--repos DIR]');
  });
});

describe('history', () => {
  beforeAll(async () => {
    for (const [v, text] of [['1.2.0', hotTemplate(4, true)], ['2.0.0', withoutOutput(5)]] as const) {
      expect((await user.run(['publish', folder(`v${v}`, { 'template.yaml': text, 'scripts/install.sh': '#!/bin/sh\n' }), '-t', 'cli/web', '--version', v])).code).toBe(0);
    }
    const nested = `heat_template_version: 2021-04-16\nresources:\n  web:\n    type: ${server.url}/api/v1/templates/cli/web/versions/%5E1.0/files/template.yaml\n`;
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) {
      expect((await user.run(['publish', folder(`app${v}`, { 'template.yaml': nested }), '-t', 'cli/app', '--version', v])).code).toBe(0);
    }
  });

  test('changelog: every page followed, breaking changes marked', async () => {
    const log = await user.json<{ items: { version: string; compat: { required: string } }[]; total: number; nextCursor: null }>(['changelog', 'cli/web', '--page-size', '1']);
    expect(log.body.items.map((i) => [i.version, i.compat.required])).toEqual([['2.0.0', 'major'], ['1.2.0', 'patch'], ['1.1.0', 'patch'], ['1.0.0', 'none']]);
    expect(log.body).toMatchObject({ total: 4, nextCursor: null });
    const human = await user.run(['changelog', 'cli/web']);
    expect(human.stdout).toMatch(/^2\.0\.0 {2}\d{4}-\d\d-\d\d {2}admin {2}major since 1\.2\.0\n {2}Release 2\.0\.0\n {2}breaking {2}template\.yaml: output ip removed/);
  });

  test('dependents: every page followed, a table for people', async () => {
    const uses = await user.json<{ items: { template: string; version: string; ref: string; admitsLatest: boolean }[]; total: number }>(['dependents', 'cli/web', '--page-size', '2']);
    expect(uses.body.items.map((u) => [u.template, u.version, u.ref, u.admitsLatest])).toEqual([
      ['cli/app', '1.2.0', '^1.0', false], ['cli/app', '1.1.0', '^1.0', false], ['cli/app', '1.0.0', '^1.0', false],
    ]);
    expect(uses.body.total).toBe(3);
    const table = await user.run(['dependents', 'cli/web']);
    expect(table.stdout.split('\n')[0]).toMatch(/^TEMPLATE +VERSION +REF +KIND +RESOLVES TO +ADMITS LATEST +FILE$/);
    expect(table.stdout).toMatch(/^cli\/app +1\.2\.0 \(latest\) +\^1\.0 +range +1\.2\.0 +no +template\.yaml$/m);
    expect((await user.json<{ items: unknown[] }>(['dependents', 'cli/app'])).body.items).toEqual([]);
  });
});

describe('usage', () => {
  test.each([
    [['info']], [['info', 'not-a-template']], [['info', 'a/b', 'extra']], [['get', 'a/b@']], [['search', '--limit', '0']], [['search', '--sort', 'size']],
    [['publish', '.', '--version', '1.0.0']], [['publish', '.', '-t', 'a/b']], [['deprecate', 'a/b', '1.0.0']], [['yank', 'a/b', '1.0.0', '--undo', '--reason', 'x']],
    [['label', 'a/b', 'stable']], [['label', 'a/b', 'stable', '1.0.0', '--delete']], [['diff', 'a/b', '1.0.0']], [['versions', 'a/b', '--frobnicate']],
  ])('heater %j is a usage error: exit 2, one line on stderr, nothing on stdout', async (args) => {
    const r = await user.run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^heater ${args[0]}: [^\\n]+\\n$`));
  });

  test('heater --help lists every client command beside the server and operator ones', async () => {
    const r = await user.run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['login URL', 'logout', 'search [QUERY]', 'info NS/NAME', 'versions NS/NAME', 'get NS/NAME[@REF]', 'publish DIR', 'diff NS/NAME FROM TO',
      'label NS/NAME LABEL REF', 'deprecate NS/NAME VERSION', 'yank NS/NAME VERSION', 'link NS/NAME[@REF]', 'changelog NS/NAME', 'dependents NS/NAME',
      'token create', 'link rotate-secret', 'reindex']) expect(r.stdout).toContain(`  heater ${c}`);
    expect(r.stdout).toContain('0 ok, 1 failure');
  });

  test.each([['search'], ['get'], ['publish'], ['diff'], ['label'], ['deprecate'], ['yank'], ['link'], ['changelog'], ['dependents'], ['login'], ['logout'], ['info'], ['versions']])(
    'heater %s --help: exit 0, the usage and --json on stdout', async (command) => {
      const r = await user.run([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: heater ${command} `));
      expect(r.stdout).toContain('--json');
    });
});
