// The stock git binary as a client, with an isolated config and fixed dates, and work repos to push from.
import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface GitResult { code: number; stdout: string; stderr: string }

const home = path.join(os.tmpdir(), 'heater-test-home');

/** Environment for client-side git: no user config, no prompts, fixed identity and dates. */
export function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C',
    GIT_AUTHOR_NAME: 'Ada Author', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada Author', GIT_COMMITTER_EMAIL: 'ada@example.com',
    GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z', GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z', ...extra,
  };
}

/** Runs git; resolves whatever the exit code. */
export function runGit(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd: opts.cwd, env: clientEnv(opts.env), stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    if (child.stdin) { child.stdin.on('error', () => { /* git exited first */ }); child.stdin.end(opts.input); }
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs git and returns stdout; throws with stderr on failure. */
export async function gitOk(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const r = await runGit(args, opts);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export function execGit(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => execFile('git', args, { cwd, env: clientEnv() }, (e, out) => (e ? reject(e) : resolve(out))));
}

/** A temporary directory, removed by `cleanup()`. */
export async function tempDir(prefix = 'heater-tmp-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A non-bare repo to build history in and push from. */
export class WorkRepo {
  private tick = 0;
  private constructor(readonly dir: string) {}

  static async create(): Promise<WorkRepo> {
    const dir = await tempDir('heater-work-');
    await gitOk(['init', '-q', '-b', 'main', dir]);
    return new WorkRepo(dir);
  }

  /** Writes files (null deletes), commits them with a date one minute after the last; returns the commit id. */
  async commit(files: Record<string, string | Buffer | null>, message = 'change'): Promise<string> {
    for (const [p, content] of Object.entries(files)) {
      const full = path.join(this.dir, p);
      if (content === null) { await rm(full, { force: true }); continue; }
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
    }
    await this.git(['add', '-A']);
    await this.git(['commit', '-q', '--allow-empty', '-m', message]);
    return (await this.git(['rev-parse', 'HEAD'])).trim();
  }

  /** Creates a tag (annotated unless `lightweight`) at `at` (default HEAD). */
  async tag(name: string, opts: { lightweight?: boolean; at?: string; force?: boolean } = {}): Promise<void> {
    const args = ['tag', ...(opts.force ? ['-f'] : []), ...(opts.lightweight ? [] : ['-a', '-m', `release ${name}`]), name, opts.at ?? 'HEAD'];
    await this.git(args);
  }

  git(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + 60_000 * this.tick++).toISOString();
    return gitOk(args, { cwd: this.dir, env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, ...extraEnv } });
  }

  run(args: string[], env: Record<string, string> = {}): Promise<GitResult> {
    return runGit(args, { cwd: this.dir, env });
  }

  cleanup(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A valid HOT template with a parameter and one resource; `n` makes each version's content differ.
 * With `getFile`, the server's user_data comes from scripts/install.sh, which must then be committed too.
 */
export function hotTemplate(n: number, getFile = false): string {
  return `heat_template_version: 2021-04-16
description: Web server, revision ${n}
parameters:
  flavor:
    type: string
    default: m1.small
resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: { get_param: flavor }
${getFile ? '      user_data: { get_file: scripts/install.sh }\n' : ''}outputs:
  ip:
    value: { get_attr: [server, first_address] }
`;
}

/**
 * Holds one of the server's git slots: an upload-pack POST of `repo` wanting `want`, whose answer the
 * client never reads, so its git waits on a full socket until the socket is destroyed.
 */
export function holdGitSlot(url: string, repo: string, want: string): net.Socket {
  const u = new URL(url);
  const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
  const body = `${pkt(`want ${want}\n`)}0000${pkt('done\n')}`;
  const sock = net.connect(Number(u.port), u.hostname);
  sock.pause();
  sock.write(`POST ${repo}/git-upload-pack HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  return sock;
}
