// `heater reindex`: rebuilds the catalog index from the repositories alone, with the server stopped.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { ConfigError } from '../errors/config-error';
import { systemReason } from '../errors/startup-error';
import { SqliteCatalog } from '../catalog/sqlite-catalog';
import { Indexer } from '../catalog/indexer';
import { openOfflineRegistry } from './offline-registry';
import { CATALOG_FILE } from '../catalog/catalog-store';

const USAGE = `Usage: heater reindex [--repos DIR]
Empties the catalog index (DIR/.heater/${CATALOG_FILE}) and reads every template again from git.
DIR defaults to $HEATER_REPOS, else ./repos. Stop the server first: a running one heals its index
at start-up by itself, and deleting the file is as good as this command.
`;

// The progress line is rewritten at most this often.
const PROGRESS_MS = 200;

/**
 * Runs the reindex command; returns the exit code. The report goes to `out`, problems to `err`;
 * `progress`, when given (stderr is a terminal), receives a line to show in place of the last one.
 */
export async function reindexCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void, progress?: (line: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { out(USAGE); return 0; }
  let config;
  try {
    config = loadConfig(env, argv);
  } catch (e) {
    if (e instanceof ConfigError) { err(`heater reindex: ${e.problems.join('; ')}.\n${USAGE}`); return 2; }
    throw e;
  }
  const root = await fs.realpath(config.reposDir).catch(() => null);
  if (!root) { err(`heater reindex: there is no data directory ${config.reposDir}.\n`); return 1; }
  const { store, registry, close } = openOfflineRegistry(root, config);
  let catalog: SqliteCatalog;
  try {
    await fs.mkdir(store.stateDir, { recursive: true, mode: 0o700 });
    catalog = SqliteCatalog.open(path.join(store.stateDir, CATALOG_FILE));
  } catch (e) {
    close();
    err(`heater reindex: cannot use the data directory ${config.reposDir}: ${systemReason(e)}.\n`);
    return 1;
  }
  try {
    let shown = 0;
    const onProgress = progress && ((done: number, total: number) => {
      if (done < total && Date.now() - shown < PROGRESS_MS) return;
      shown = Date.now();
      progress(`heater reindex: ${done} of ${total} templates read (${Math.floor((100 * done) / total)} %)`);
    });
    const report = await new Indexer(store, registry, catalog, (msg) => err(`heater: ${msg}\n`)).rebuild(onProgress);
    if (progress) progress('');
    out(`heater: indexed ${report.added} templates in ${(report.ms / 1000).toFixed(1)} s${report.failed ? `; ${report.failed} could not be read` : ''}.\n`);
    return report.failed > 0 ? 1 : 0;
  } finally {
    catalog.close();
    close();
  }
}
