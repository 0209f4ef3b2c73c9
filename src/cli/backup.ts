// `heater backup DIR` and `heater restore DIR`: the command lines over src/ops/backup.ts and src/ops/restore.ts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config/config';
import { ConfigError } from '../errors/config-error';
import { BackupError } from '../errors/backup-error';
import { GitCommandError } from '../git/exec';
import { systemReason } from '../errors/startup-error';
import { RepoStore } from '../git/store';
import { backup } from '../ops/backup';
import { restore } from '../ops/restore';

/** The lines `heater --help` lists. */
export const BACKUP_COMMANDS: readonly string[] = [
  '  heater backup DIR [--repos SRC]                    a consistent copy of the data directory (server may run)',
  '  heater restore DIR [--repos TARGET]                a backup into a new or empty data directory',
];

const USAGE = `Usage:
${BACKUP_COMMANDS.join('\n')}
backup copies every repository of SRC (its refs read first, then the objects they reach: a push
landing meanwhile is in the copy whole or not at all), the tokens, namespace settings, read-link
secret and revocations, the admin-token hash and the audit log into DIR, a new or empty folder,
with a manifest (DIR/backup.json). It only reads SRC, so the server may keep running.
restore recreates them in TARGET, which must be new or empty, with Heater's hooks installed; the
catalog index is built by the server's next start. SRC and TARGET default to $HEATER_REPOS, else ./repos.
Exit codes: 0 done; 1 a repository could not be copied, or the backup does not match its manifest;
2 a bad command line, a DIR or TARGET that is not empty, or a folder that cannot be used.
`;

/** The positional arguments and the options (each server option takes a value), apart. */
function splitArgs(argv: readonly string[]): { positional: string[]; options: string[] } {
  const positional: string[] = [];
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) { positional.push(a); continue; }
    options.push(a);
    if (!a.includes('=') && i + 1 < argv.length) options.push(argv[++i] ?? '');
  }
  return { positional, options };
}

/** Runs `heater backup` (`verb` = 'backup') or `heater restore`; returns the exit code. */
export async function backupCli(verb: 'backup' | 'restore', argv: readonly string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { out(USAGE); return 0; }
  const { positional, options } = splitArgs(argv);
  let config: Config;
  try {
    config = loadConfig(env, options);
  } catch (e) {
    if (e instanceof ConfigError) { err(`heater ${verb}: ${e.problems.join('; ')}.\n${USAGE}`); return 2; }
    throw e;
  }
  if (positional.length !== 1 || !positional[0]) { err(`heater ${verb}: give one backup folder DIR.\n${USAGE}`); return 2; }
  const dir = path.resolve(positional[0]);
  const t0 = Date.now();
  try {
    if (verb === 'backup') {
      const root = await fs.realpath(config.reposDir).catch(() => null);
      if (!root) { err(`heater backup: there is no data directory ${config.reposDir}.\n`); return 2; }
      if (`${dir}${path.sep}`.startsWith(`${root}${path.sep}`)) { err(`heater backup: ${dir} is inside the data directory ${root}; back up to another folder.\n`); return 2; }
      const m = await backup(new RepoStore(root), dir);
      const refs = m.repositories.reduce((n, r) => n + r.refs, 0);
      out(`heater backup: ${m.repositories.length} repositories (${refs} refs) and ${m.state.length} state files of ${root} in ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s).\n`);
      return 0;
    }
    const r = await restore(dir, config.reposDir);
    out(`heater restore: ${r.repositories} repositories and ${r.stateFiles} state files from ${dir} (made ${r.manifest.created} by Heater ${r.manifest.heater}) into ${config.reposDir}; the catalog index is built at the server's next start.\n`);
    return 0;
  } catch (e) {
    if (e instanceof BackupError) { err(`heater ${verb}: ${e.message}\n`); return e.code === 'backup-mismatch' ? 1 : 2; }
    if (e instanceof GitCommandError) { err(`heater ${verb}: ${e.message}\n`); return 1; }
    if (typeof (e as NodeJS.ErrnoException).code === 'string') { err(`heater ${verb}: cannot use ${(e as NodeJS.ErrnoException).path ?? dir}: ${systemReason(e)}.\n`); return 2; }
    throw e;
  }
}
