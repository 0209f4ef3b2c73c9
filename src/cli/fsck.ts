// `heater fsck`: checks every repository and the catalog index of a data directory; safe beside a running server.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { ConfigError } from '../errors/config-error';
import { systemReason } from '../errors/startup-error';
import { SqliteCatalog } from '../catalog/sqlite-catalog';
import { Indexer } from '../catalog/indexer';
import { CATALOG_FILE } from '../catalog/catalog-store';
import { fsck, type FsckProblem, type FsckReport } from '../ops/fsck';
import { openOfflineRegistry } from './offline-registry';

/** The line `heater --help` lists. */
export const FSCK_COMMAND = `${'  heater fsck [--repos DIR] [--repair] [--json]'.padEnd(53)}check every repository and the index (server may run)`;

const USAGE = `Usage: heater fsck [--repos DIR] [--repair] [--json]
Checks every repository of DIR: git fsck (connectivity, object integrity), Heater's pre-receive
hook present and current, version tags on commits, deprecate/yank marks readable; and the catalog
index against the repositories. Read-only unless --repair, which reinstalls hooks and re-indexes
what differs (it never rewrites history or deletes objects). Safe while the server runs.
DIR defaults to $HEATER_REPOS, else ./repos.
Prints one line per problem and a count line; --json prints the report as JSON instead.
Exit codes: 0 nothing wrong; 1 problems found (with --repair: left after repairing); 2 a bad
option or a data directory that cannot be checked.
`;

/** One problem as a line: `acme/web: hook: hooks/pre-receive is missing … (repaired)`. */
function problemLine(p: FsckProblem): string {
  return `heater fsck: ${p.template ?? 'catalog'}: ${p.check}: ${p.message}${p.repaired ? ' (repaired)' : p.repairable ? ' (--repair fixes it)' : ''}\n`;
}

/** The count line a cron job can act on. */
function summaryLine(r: FsckReport): string {
  return `heater fsck: ${r.repositories} repositories checked, ${r.found} problems found, ${r.repaired} repaired, ${r.left} left.\n`;
}

/** Runs the fsck command; returns the exit code. The report goes to `out`, usage errors to `err`. */
export async function fsckCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { out(USAGE); return 0; }
  const repair = argv.includes('--repair');
  const json = argv.includes('--json');
  let config;
  try {
    config = loadConfig(env, argv.filter((a) => a !== '--repair' && a !== '--json'));
  } catch (e) {
    if (e instanceof ConfigError) { err(`heater fsck: ${e.problems.join('; ')}.\n${USAGE}`); return 2; }
    throw e;
  }
  const root = await fs.realpath(config.reposDir).catch(() => null);
  if (!root || !(await fs.stat(root)).isDirectory()) { err(`heater fsck: there is no data directory ${config.reposDir}.\n`); return 2; }
  const { store, registry, close } = openOfflineRegistry(root, config);
  const file = path.join(store.stateDir, CATALOG_FILE);
  // an absent index is made (and then filled entry by entry); one that exists is never replaced: a server may have it open
  const create = repair && !existsSync(file);
  let opened: ReturnType<typeof SqliteCatalog.openExisting>;
  try {
    if (create) await fs.mkdir(store.stateDir, { recursive: true, mode: 0o700 });
    opened = create ? SqliteCatalog.open(file) : SqliteCatalog.openExisting(file);
  } catch (e) {
    close();
    err(`heater fsck: cannot use the data directory ${config.reposDir}: ${systemReason(e)}.\n`);
    return 2;
  }
  try {
    const catalog = typeof opened === 'string' ? opened : { store: opened, indexer: new Indexer(store, registry, opened, (msg) => err(`heater fsck: ${msg}\n`)) };
    const report = await fsck(store, { repair, catalog });
    if (json) out(`${JSON.stringify(report, null, 2)}\n`);
    else { for (const p of report.problems) out(problemLine(p)); out(summaryLine(report)); }
    return report.left > 0 ? 1 : 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if ((e as NodeJS.ErrnoException).syscall === 'spawn git') { err('heater fsck: cannot run git: it is not on PATH.\n'); return 2; }
    if (typeof code === 'string') { err(`heater fsck: cannot read the data directory ${config.reposDir}: ${(e as Error).message}.\n`); return 2; }
    throw e;
  } finally {
    if (typeof opened !== 'string') opened.close();
    close();
  }
}
