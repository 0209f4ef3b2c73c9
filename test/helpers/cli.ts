// Runs the built `heater` client (dist/main.js) as a user would, with its own HOME and config directory.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

export interface CliResult { readonly code: number; readonly stdout: string; readonly stderr: string }

/** A user of the CLI: a temporary HOME (with XDG_CONFIG_HOME inside it), removed by `remove()`. */
export class CliUser {
  private constructor(readonly home: string) {}

  /** A user with a fresh, empty HOME. */
  static create(): CliUser {
    return new CliUser(fs.mkdtempSync(path.join(os.tmpdir(), 'heater-cli-home-')));
  }

  /** Where `heater login` saves, with XDG_CONFIG_HOME as run() sets it. */
  get configFile(): string {
    return path.join(this.home, 'xdg', 'heater', 'config.json');
  }

  /**
   * Runs `heater ARGS` asynchronously (the server under test lives in this process, so it must keep
   * serving), in `cwd` (default: HOME), with stdin `input`; no HEATER_* variable of this process leaks in.
   */
  run(args: readonly string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliResult> {
    return this.spawn(process.execPath, [MAIN, ...args], opts.env ?? {}, opts.input ?? '', opts.cwd);
  }

  private spawn(file: string, args: readonly string[], extraEnv: Record<string, string>, input: string, cwd?: string): Promise<CliResult> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('HEATER_') && k !== 'NO_COLOR') env[k] = v;
    Object.assign(env, { HOME: this.home, XDG_CONFIG_HOME: path.join(this.home, 'xdg') }, extraEnv);
    const child = spawn(file, args, { env, cwd: cwd ?? this.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdin.end(input);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  /**
   * Runs `heater ARGS` on a terminal: under util-linux `script`, which gives it a pseudo-terminal
   * for stdin, stdout and stderr alike, `typed` going to its stdin as keystrokes; returns what the
   * terminal showed (stdout and stderr mixed).
   */
  async onTerminal(args: readonly string[], opts: { env?: Record<string, string>; typed?: string } = {}): Promise<{ code: number; screen: string }> {
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, MAIN, ...args].map(quote).join(' ');
    const r = await this.spawn('script', ['-qec', command, '/dev/null'], opts.env ?? {}, opts.typed ?? '');
    return { code: r.code, screen: r.stdout };
  }

  /** Runs `heater ARGS --json`; returns the exit code and stdout parsed. */
  async json<T = Record<string, unknown>>(args: readonly string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number; body: T; stderr: string }> {
    const r = await this.run([...args, '--json'], opts);
    return { code: r.code, body: JSON.parse(r.stdout) as T, stderr: r.stderr };
  }

  /** Removes HOME and all in it (the saved login too). */
  remove(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
