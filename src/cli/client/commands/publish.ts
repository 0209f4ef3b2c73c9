// `heater publish DIR [--template ns/name] --version V [--dry-run]`: the files of a folder as a new version (POST …/versions, JSON with base64 files).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { usageError } from '../cli-error';
import { templateId, templatePath, type Context, type CommonOptions } from '../context';
import { formatBytes } from '../output';

/** A file of the folder as the publish body carries it. */
interface UploadFile { readonly base64: string; readonly executable: boolean }

interface DryRun {
  readonly version: string; readonly semver: string; readonly against: string | null; readonly required: string;
  readonly actual: string; readonly ok: boolean; readonly warnings: readonly string[];
}
interface Published { readonly version: string; readonly tag: string; readonly commit: string; readonly warnings: readonly string[] }

/**
 * Every regular file under `dir` (relative paths with `/`), leaving out `.git` folders. Throws a
 * usage CliError for a folder that is missing or empty, or that holds a link or anything but files
 * and folders: the server takes regular files only, and following a link could send what is outside.
 */
export async function filesOf(dir: string): Promise<Map<string, UploadFile>> {
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw usageError(`${dir} is not a folder`);
  const files = new Map<string, UploadFile>();
  const walk = async (rel: string) => {
    for (const e of (await fs.readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { if (e.name !== '.git') await walk(p); continue; }
      if (!e.isFile()) throw usageError(`${path.join(dir, p)} is ${e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; a version holds regular files and folders only`);
      const full = path.join(dir, p);
      const [bytes, mode] = await Promise.all([fs.readFile(full), fs.stat(full).then((s) => s.mode)]);
      files.set(p, { base64: bytes.toString('base64'), executable: (mode & 0o111) !== 0 });
    }
  };
  await walk('');
  if (files.size === 0) throw usageError(`${dir} holds no files`);
  return files;
}

/**
 * The template a folder is a clone of: the `ns/name` of its `origin` remote when that is a Heater
 * clone URL (`…/<ns>/<name>.git`, also behind a read link's `/l/<link>`), else null.
 */
export async function templateOfClone(dir: string): Promise<string | null> {
  let url: string;
  try {
    url = (await promisify(execFile)('git', ['-C', dir, 'config', '--get', 'remote.origin.url'], { timeout: 10_000 })).stdout.trim();
  } catch {
    return null; // not a git work tree, or no origin
  }
  const m = /\/([^/]+)\/([^/]+)\.git\/?$/.exec(url);
  if (!m) return null;
  try {
    return templateId(`${m[1] ?? ''}/${m[2] ?? ''}`);
  } catch {
    return null;
  }
}

/** Registers publish. */
export function registerPublish(program: Command, ctx: Context): void {
  ctx.common(program.command('publish')
    .description('publish the files of a folder as a new version (the same validation as a push)')
    .argument('<dir>', 'the template folder (its .git folder is left out)')
    .option('-t, --template <template>', 'the template, ns/name (created by its first version); default: the one DIR is a git clone of', templateId)
    .requiredOption('--version <version>', 'the new version, exact: 1.3.0 or v1.3.0')
    .option('-m, --message <message>', 'the commit and tag message (default: Release VERSION)')
    .option('--dry-run', 'check only: validation, a new version, the semver policy; say the bump the changes need; write nothing'))
    .action(async (dir: string, given: CommonOptions & { template?: string; version: string; message?: string; dryRun?: boolean }) => {
      const template = given.template ?? (await templateOfClone(dir));
      if (template === null) throw usageError(`${dir} is not a clone of a Heater template (its origin is no …/NS/NAME.git URL): say which template with --template NS/NAME`);
      const opts = { ...given, template };
      const { out, api } = await ctx.connect(opts);
      const files = await filesOf(dir);
      const body = { version: opts.version, ...(opts.message === undefined ? {} : { message: opts.message }), files: Object.fromEntries(files) };
      const query = opts.dryRun ? { dryRun: 'true' } : {};
      const label = `publish ${opts.template} ${opts.version}`;
      const onUpload = (sent: number, total: number) => out.progress(sent < total
        ? `${label}: ${files.size} files, ${formatBytes(sent)} of ${formatBytes(total)} sent`
        : `${label}: ${files.size} files sent (${formatBytes(total)}); the server checks them…`);
      const answer = await api.json<DryRun & Published>('POST', templatePath(opts.template, '/versions'), { query, body, onUpload });
      out.clearProgress();
      if (out.isJson) { out.json(answer); return; }
      for (const w of answer.warnings) out.note(`${out.style('yellow', 'warning:')} ${w}`);
      if (!opts.dryRun) { out.line(`Published ${opts.template} ${answer.version} (tag ${answer.tag}, commit ${answer.commit.slice(0, 12)})`); return; }
      out.line(`Dry run: ${opts.template} ${answer.version} would be published; nothing was written.`);
      if (answer.against === null) { out.line('semver: the first version, not judged'); return; }
      const verdict = answer.ok ? out.style('green', 'enough') : out.style('red', `too small (policy: ${answer.semver})`);
      out.line(`semver: the changes since ${answer.against} need a ${answer.required} bump; ${answer.version} is a ${answer.actual} step: ${verdict}`);
    });
}
