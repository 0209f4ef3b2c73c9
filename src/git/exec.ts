// Typed spawn of git: argv only (never a shell), a timeout, stderr captured, killed on abort.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Readable, Writable } from 'node:stream';

export interface GitRun {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface GitOptions {
  /** The bare repository; passed as --git-dir, never interpolated. */
  readonly gitDir?: string;
  readonly input?: string | Buffer;
  /** Extra environment, on top of gitEnv(). */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Stop reading and fail once stdout passes this many bytes. */
  readonly maxOutput?: number;
  readonly signal?: AbortSignal;
  /** Background work (a precomputed diff): the process runs at nice 10, behind the git serving clients. */
  readonly lowPriority?: boolean;
}

/** A git command that failed: kept out of HTTP responses (a 500), logged with its stderr. */
export class GitCommandError extends Error {
  constructor(readonly args: readonly string[], readonly code: number, readonly stderr: string) {
    super(`git ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    this.name = 'GitCommandError';
  }
}

/**
 * The environment every server-side git runs with: the caller's GIT_* variables and any global or
 * system config are dropped, so an operator's ~/.gitconfig cannot change how repos/ is served.
 */
export function gitEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

/** Every git this process started and that has not exited yet: what shutdown stops and waits for. */
const live = new Set<ChildProcess>();

/**
 * Starts `git argv…` (never a shell, stdin, stdout and stderr piped) and keeps it in the set of live
 * git processes until it exits; returns the child. A caller that sends no input ends its stdin.
 */
export function spawnGit(argv: readonly string[], options: { readonly env: NodeJS.ProcessEnv; readonly signal?: AbortSignal }): ChildProcessWithoutNullStreams {
  return tracked(spawn('git', argv, { ...options, stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** Starts `git argv…` with its stdout written to the open file `stdout` (stdin and stderr piped), kept in the set of live git processes like spawnGit's. */
export function spawnGitToFile(argv: readonly string[], options: { readonly env: NodeJS.ProcessEnv; readonly stdout: number }): { readonly child: ChildProcess; readonly stdin: Writable; readonly stderr: Readable } {
  const child = tracked(spawn('git', argv, { env: options.env, stdio: ['pipe', options.stdout, 'pipe'] }));
  const { stdin, stderr } = child;
  if (!stdin || !stderr) throw new Error('git was started without its stdin or stderr piped');
  return { child, stdin, stderr };
}

function tracked<C extends ChildProcess>(child: C): C {
  live.add(child);
  const forget = () => { live.delete(child); };
  child.once('exit', forget);
  child.once('error', forget);
  return child;
}

/** How many git processes this process has running. */
export function runningGit(): number {
  return live.size;
}

/**
 * Stops every live git with SIGTERM (git removes its lock files and quarantine on it, and a ref
 * update is atomic, so a repository is left as it was before or after), waits up to `waitMs` for
 * them to exit, then SIGKILLs what remains. Returns how many had to be stopped.
 */
export async function stopAllGit(waitMs: number): Promise<number> {
  const stopping = [...live];
  signalAllGit('SIGTERM');
  const deadline = Date.now() + waitMs;
  while (live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  signalAllGit('SIGKILL');
  return stopping.length;
}

/** Sends `signal` to every live git at once, without waiting (a process about to exit). */
export function signalAllGit(signal: NodeJS.Signals): void {
  for (const c of live) c.kill(signal);
}

/** Runs `git [--git-dir D] args…` and resolves with its output, whatever the exit code. */
export function runGit(args: readonly string[], opts: GitOptions = {}): Promise<GitRun> {
  const argv = opts.gitDir ? ['--git-dir', opts.gitDir, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const child = spawnGit(argv, { env: gitEnv(opts.env), signal: opts.signal });
    if (opts.lowPriority && child.pid !== undefined) {
      try { setPriority(child.pid, 10); } catch { /* not permitted here: it runs at normal priority */ }
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (opts.maxOutput !== undefined && outBytes > opts.maxOutput) { child.kill('SIGKILL'); return; }
      out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => { if (err.length < 65536) err += d.toString('utf8'); });
    child.on('error', (e) => { if (timer) clearTimeout(timer); reject(e); });
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      if (opts.maxOutput !== undefined && outBytes > opts.maxOutput) { reject(new GitCommandError(argv, -1, `output passed ${opts.maxOutput} bytes`)); return; }
      resolve({ code: code ?? (sig ? 128 : -1), stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => { /* git may exit before reading all input (EPIPE); its exit code tells */ });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs git and returns stdout; throws GitCommandError on a non-zero exit. */
export async function git(args: readonly string[], opts: GitOptions = {}): Promise<Buffer> {
  const r = await runGit(args, opts);
  if (r.code !== 0) throw new GitCommandError(opts.gitDir ? ['--git-dir', opts.gitDir, ...args] : args, r.code, r.stderr);
  return r.stdout;
}

// git's progress meter ("Counting objects:  50% (1/2)", "Total 3 (delta 0), reused 0 …"): on stderr when a
// client did not ask for side-band (pack-objects' progress.c), never the reason git failed.
const PROGRESS = /^(?:remote: )?(?:[A-Z][a-z]+(?: [a-z]+)* objects: |Total \d+ \(delta|Resolving deltas: )/;

/** The lines of git's stderr that say what went wrong: progress dropped, the last `max` kept, joined by " | ". */
export function gitErrorText(stderr: string, max = 3): string {
  return stderr.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l !== '' && !PROGRESS.test(l)).slice(-max).join(' | ');
}

/** A git whose output is streamed: its stdout, and its exit (code 0 means the output is whole). */
export interface GitStream {
  readonly stdout: import('node:stream').Readable;
  /** Resolves with the exit code (-1 when it could not start); never rejects. */
  readonly exit: Promise<number>;
  /** Stops it (the reader went away). */
  kill(): void;
}

/** Starts `git --git-dir D args…` for streaming; failures to start and non-zero exits come through `exit`, never as a throw. */
export function streamGit(args: readonly string[], opts: { gitDir: string; log?: (msg: string) => void }): GitStream {
  const child = spawnGit(['--git-dir', opts.gitDir, ...args], { env: gitEnv() });
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString('utf8'); });
  const exit = new Promise<number>((resolve) => {
    child.on('error', (e) => { opts.log?.(`git ${args[0] ?? ''} failed to start: ${e.message}`); resolve(-1); });
    child.on('close', (code, sig) => {
      if (code !== 0 && sig !== 'SIGTERM') opts.log?.(`git ${args.join(' ')} exited ${code ?? sig}${gitErrorText(stderr) ? `: ${gitErrorText(stderr)}` : ''}`);
      resolve(code ?? -1);
    });
  });
  return { stdout: child.stdout, exit, kill: () => { child.kill('SIGTERM'); } };
}
