// The built server (`node dist/main.js`) as a process of its own, to be killed the hard way, and what a crash leaves.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './server';

export const MAIN = path.join(__dirname, '..', '..', 'dist', 'main.js');

export interface ProcessServer {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** `http://x:<token>@host:port`. */
  readonly authUrl: string;
  readonly exit: Promise<void>;
  output(): string;
}

/**
 * Starts dist/main.js over `repos` with `env` in a process group of its own (so what it leaves
 * behind can be found and stopped); resolves once it says it serves. Throws with its output if it exits first.
 */
export async function startProcessServer(repos: string, token: string, env: Record<string, string> = {}): Promise<ProcessServer> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HEATER_HOST: '127.0.0.1', HEATER_PORT: '0', HEATER_REPOS: repos, HEATER_ADMIN_TOKEN: token, HEATER_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exit = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const up = await waitFor(() => /serving .* on http:\/\/\S+\n/.test(out) || child.exitCode !== null, 30_000);
  const url = /serving .* on (http:\/\/\S+)\n/.exec(out)?.[1];
  if (!up || !url || child.pid === undefined) {
    if (child.pid !== undefined) killGroup(child.pid);
    throw new Error(`dist/main.js did not start: ${out}`);
  }
  const u = new URL(url);
  return { child, pid: child.pid, url, authUrl: `http://x:${token}@${u.host}`, exit, output: () => out };
}

/** Pids of the live processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(d));
    } catch { /* exited */ }
  }
  return out;
}

/** SIGKILL to every process of the group; ESRCH (all gone) is fine. */
function killGroup(pgid: number): void {
  try { process.kill(-pgid, 'SIGKILL'); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
}

/**
 * A crash: SIGKILL to the server alone, then, as a supervisor does when the main process of a
 * unit dies (systemd's KillMode=control-group), SIGKILL to the git processes it left. Resolves once
 * none is left; returns how many git processes the server had left running.
 */
export async function crash(s: ProcessServer): Promise<number> {
  process.kill(s.pid, 'SIGKILL');
  await s.exit;
  const orphans = groupMembers(s.pid).length;
  killGroup(s.pid);
  if (!(await waitFor(() => groupMembers(s.pid).length === 0, 10_000))) throw new Error(`processes of the killed server remain: ${groupMembers(s.pid).join(' ')}`);
  return orphans;
}

/** SIGTERM, waited for (SIGKILL to the group after 20 s). */
export async function stop(s: ProcessServer): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) {
    s.child.kill('SIGTERM');
    const t = setTimeout(() => killGroup(s.pid), 20_000);
    await s.exit;
    clearTimeout(t);
  }
  killGroup(s.pid);
  await waitFor(() => groupMembers(s.pid).length === 0, 10_000);
}
