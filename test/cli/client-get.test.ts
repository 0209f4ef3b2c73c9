// `heater get`: the tree of a resolved version written into a folder, every file checked against its blob id, nothing written outside it.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitNoGitChildren, TOKEN, type TestServer } from '../helpers/server';
import { CliUser } from '../helpers/cli';
import { WorkRepo, gitOk, hotTemplate } from '../helpers/git-client';
import { blobId, checkBlob } from '../../src/cli/client/blob-id';
import { checkTreePath } from '../../src/cli/client/tree-writer';
import { CliError } from '../../src/cli/client/cli-error';

let server: TestServer;
let user: CliUser;
let work: string;

const FILES: Record<string, string> = {
  'template.yaml': hotTemplate(2, true),
  'scripts/install.sh': '#!/bin/sh\necho installing\n',
  'docs/deep/note.txt': 'a note\n',
  'empty.txt': '',
};

async function publish(version: string, files: Record<string, string | { text: string; executable: boolean }>): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/templates/get/web/versions`, {
    method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ version, files }),
  });
  expect(res.status).toBe(201);
}

/** Every entry below `dir`, relative, sorted (folders end in /). */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${p}/` : p);
      if (e.isDirectory()) walk(p);
    }
  };
  walk('');
  return out.sort();
}
const staged = () => fs.readdirSync(work).filter((n) => n.startsWith('.heater-get-'));

beforeAll(async () => {
  server = await startServer();
  user = CliUser.create();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'heater-cli-get-'));
  await publish('1.0.0', { 'template.yaml': hotTemplate(1) });
  await publish('1.2.0', { ...FILES, 'scripts/install.sh': { text: FILES['scripts/install.sh'] ?? '', executable: true } });
  await publish('2.0.0', { 'template.yaml': hotTemplate(3) });
});
afterAll(async () => {
  await server.close();
  user.remove();
  fs.rmSync(work, { recursive: true, force: true });
  expect(await waitNoGitChildren(3000, true)).toEqual([]);
});
afterEach(() => { expect(staged()).toEqual([]); });

test('get of a range writes the tree of the version it resolves to, each file the blob git names', async () => {
  const dir = path.join(work, 'range');
  const r = await user.json<{ version: string; resolvedBy: string; directory: string; files: { path: string; blob: string }[]; skipped: unknown[] }>(['get', 'get/web@^1.0', '-o', dir, '--url', server.url]);
  expect(r.code).toBe(0);
  expect(r.body).toMatchObject({ version: '1.2.0', resolvedBy: 'range', directory: dir, skipped: [] });
  expect(listing(dir)).toEqual(['docs/', 'docs/deep/', 'docs/deep/note.txt', 'empty.txt', 'scripts/', 'scripts/install.sh', 'template.yaml']);
  for (const [p, text] of Object.entries(FILES)) expect(fs.readFileSync(path.join(dir, p), 'utf8')).toBe(text);
  expect(fs.statSync(path.join(dir, 'scripts/install.sh')).mode & 0o111).not.toBe(0);
  expect(fs.statSync(path.join(dir, 'template.yaml')).mode & 0o111).toBe(0);
  // git itself agrees with every blob id the listing gave and the client checked
  for (const f of r.body.files) expect((await gitOk(['hash-object', path.join(dir, f.path)])).trim()).toBe(f.blob);
});

test('without -o the folder is ./NAME; a folder that is not empty is refused (exit 2) unless --force, which keeps other files', async () => {
  const r = await user.run(['get', 'get/web@1.0.0', '--url', server.url], { cwd: work });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Wrote get\/web 1\.0\.0 \(commit [0-9a-f]{12}, 1 file, [\d.]+ \w+\) to web\n$/);
  expect(listing(path.join(work, 'web'))).toEqual(['template.yaml']);
  fs.writeFileSync(path.join(work, 'web', 'mine.txt'), 'keep me');
  const refused = await user.run(['get', 'get/web', '--url', server.url], { cwd: work });
  expect(refused).toMatchObject({ code: 2, stdout: '', stderr: 'heater get: web is not empty; give --force to write into it, or another -o DIR\n' });
  expect(fs.readFileSync(path.join(work, 'web', 'template.yaml'), 'utf8')).toBe(hotTemplate(1));
  expect((await user.run(['get', 'get/web@^1', '--force', '--url', server.url], { cwd: work })).code).toBe(0);
  expect(listing(path.join(work, 'web'))).toEqual(['docs/', 'docs/deep/', 'docs/deep/note.txt', 'empty.txt', 'mine.txt', 'scripts/', 'scripts/install.sh', 'template.yaml']);
  expect(fs.readFileSync(path.join(work, 'web', 'template.yaml'), 'utf8')).toBe(FILES['template.yaml']);
});

test('--force never writes through a link in the folder: a link to a folder outside is refused (exit 1), the outside untouched', async () => {
  const dir = path.join(work, 'linked');
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'heater-cli-outside-'));
  try {
    fs.mkdirSync(dir);
    fs.symlinkSync(outside, path.join(dir, 'scripts'));
    const r = await user.run(['get', 'get/web@1.2.0', '-o', dir, '--force', '--url', server.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`heater get: ${dir}/scripts is a symbolic link; not writing scripts/install.sh through it\n`);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual(['scripts']); // checked before anything moved in
    // a link at a file's own path is replaced, not followed
    fs.unlinkSync(path.join(dir, 'scripts'));
    fs.writeFileSync(path.join(outside, 'target'), 'outside');
    fs.symlinkSync(path.join(outside, 'target'), path.join(dir, 'template.yaml'));
    expect((await user.run(['get', 'get/web@1.2.0', '-o', dir, '--force', '--url', server.url])).code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'template.yaml')).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(path.join(outside, 'target'), 'utf8')).toBe('outside');
  } finally { fs.rmSync(outside, { recursive: true, force: true }); }
});

test('a download altered on its way (a proxy flips one byte) is caught by its blob id: exit 1, nothing written', async () => {
  const upstream = new URL(server.url);
  const proxy = http.createServer((req, res) => {
    const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        // only the file's content: the listing with its blob ids passes unaltered
        if (req.url?.endsWith('/files/template.yaml') && body.length > 0) body[0] = (body[0] ?? 0) ^ 0x20;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(body);
      });
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const dir = path.join(work, 'corrupted');
    const r = await user.run(['get', 'get/web@1.2.0', '-o', dir, '--url', `http://127.0.0.1:${(proxy.address() as { port: number }).port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^heater get: template\.yaml: the download is not blob [0-9a-f]{40} \(got \d+ bytes hashing to [0-9a-f]{40}\); nothing was written\n$/);
    expect(fs.existsSync(dir)).toBe(false);
  } finally { await new Promise((resolve) => proxy.close(resolve)); }
});

test('symbolic links of a version are listed but not served: get skips them and says so', async () => {
  const w = await WorkRepo.create();
  try {
    await w.commit({ 'template.yaml': hotTemplate(1) });
    fs.symlinkSync('template.yaml', path.join(w.dir, 'alias.yaml'));
    await w.commit({}, 'a link');
    await w.tag('v1.0.0');
    await w.git(['push', '-q', `${server.authUrl}/get/linky.git`, 'main', 'v1.0.0']);
  } finally { await w.cleanup(); }
  const dir = path.join(work, 'linky');
  const r = await user.run(['get', 'get/linky', '-o', dir, '--url', server.url]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('heater get: skipped alias.yaml: a symbolic link, which the server does not serve\n');
  expect(listing(dir)).toEqual(['template.yaml']);
  const j = await user.json<{ skipped: unknown[] }>(['get', 'get/linky', '-o', path.join(work, 'linky2'), '--url', server.url]);
  expect(j.body.skipped).toEqual([{ path: 'alias.yaml', mode: '120000', reason: 'a symbolic link, which the server does not serve' }]);
});

test('on a terminal get counts the files as they come, then says where it wrote them', async () => {
  const dir = path.join(work, 'tty');
  const r = await user.onTerminal(['get', 'get/web@1.2.0', '-o', dir, '--url', server.url]);
  expect(r.code).toBe(0);
  expect(r.screen).toMatch(/\r\x1b\[2Kget get\/web@1\.2\.0: 1\/4 files, \d+ B of \d+ B/);
  expect(r.screen).toMatch(/\r\x1b\[2Kget get\/web@1\.2\.0: 4\/4 files/);
  expect(r.screen).toMatch(/Wrote get\/web 1\.2\.0 \(commit [0-9a-f]{12}, 4 files, [\d.]+ \w+\) to .*tty\r?\n$/);
  expect(listing(dir)).toHaveLength(7);
});

test.each([['not-a-version'], ['9.x']])('get of a ref that matches nothing (%s) is exit 3 and writes nothing', async (ref) => {
  const dir = path.join(work, 'none');
  expect((await user.run(['get', `get/web@${ref}`, '-o', dir, '--url', server.url])).code).toBe(3);
  expect(fs.existsSync(dir)).toBe(false);
});

describe('the checks get makes, directly', () => {
  test.each([[''], ['hello\n'], ['\u00e9\u0000binary\u00ff']])('blobId(%j) is what git hash-object says', async (text) => {
    const file = path.join(work, 'blob');
    fs.writeFileSync(file, Buffer.from(text, 'latin1'));
    try {
      expect(blobId(Buffer.from(text, 'latin1'))).toBe((await gitOk(['hash-object', file])).trim());
    } finally { fs.rmSync(file); }
  });

  test('checkBlob throws CliError (exit 1) for bytes that are not the blob', () => {
    const bytes = Buffer.from('hello\n');
    expect(() => checkBlob('a', bytes, blobId(bytes))).not.toThrow();
    expect(() => checkBlob('a', Buffer.from('hellO\n'), blobId(bytes))).toThrow(CliError);
  });

  test.each([['../escape'], ['/etc/passwd'], ['a/../../b'], ['a//b'], ['./a'], ['a\\b'], ['.git/hooks/post-checkout'], ['x/.GIT/config'], ['C:/x'], ['a\u0000b'], ['']])(
    'checkTreePath refuses %j', (p) => { expect(() => checkTreePath(p)).toThrow(CliError); });

  test.each([['template.yaml'], ['scripts/install.sh'], ['a/b/c.d'], ['..a'], ['.github/x']])('checkTreePath takes %j', (p) => {
    expect(() => checkTreePath(p)).not.toThrow();
  });
});
