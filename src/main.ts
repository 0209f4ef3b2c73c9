#!/usr/bin/env node
// Process entry: load the configuration, start the server, stop cleanly on SIGINT/SIGTERM; or run a command.
import type { Config } from './config/config';
import type { App } from './app';
import { ConfigError } from './errors/config-error';
import { StartupError } from './errors/startup-error';
import { EXIT } from './cli/server-exit-codes';
import { clientCli, isClientCommand } from './cli/client/program';
// the server and the operator commands are loaded only when asked for: a client command starts in a third of the time

/** Ends the process for a start-up failure: one sentence on stderr (the stack too at debug level), exit 2. */
function cannotStart(why: string, e?: unknown, config?: Config): never {
  process.stderr.write(`heater: cannot start: ${why.replace(/\.$/, '')}.\n`);
  if (config?.logLevel === 'debug' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(EXIT.notStarted);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (isClientCommand(argv)) {
    process.exitCode = await clientCli(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
    return;
  }
  if (argv[0] === 'token') {
    const { tokenCli } = await import('./cli/token.js');
    process.exitCode = await tokenCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    return;
  }
  if (argv[0] === 'reindex') { const { reindexCli } = await import('./cli/reindex.js'); process.exitCode = await reindexCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s), process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined); return; }
  if (argv[0] === 'backup' || argv[0] === 'restore') { const { backupCli } = await import('./cli/backup.js'); process.exitCode = await backupCli(argv[0], argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)); return; }
  if (argv[0] === 'fsck') { const { fsckCli } = await import('./cli/fsck.js'); process.exitCode = await fsckCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)); return; }
  if (argv[0] === 'link') { const { linkCli } = await import('./cli/link.js'); process.exitCode = await linkCli(argv.slice(1), process.env, (s) => process.stderr.write(s)); return; }
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write((await import('./cli/help.js')).helpText()); return; }
  const [{ loadConfig }, { createApp }, { createLogger }] = await Promise.all([import('./config/config.js'), import('./app.js'), import('./log/logger.js')]);
  let config: Config;
  try {
    config = loadConfig(process.env, argv);
  } catch (e) {
    if (e instanceof ConfigError) cannotStart(e.problems.join('; '));
    throw e;
  }
  const log = createLogger(config.logLevel);
  process.on('exit', () => log.flush()); // lines are written asynchronously: what is pending goes out before the process ends
  let app: App;
  let url: string;
  try {
    app = await createApp(config, { log });
    url = await app.listen();
  } catch (e) {
    // a StartupError says what is wrong; anything else is unexpected, but still one line unless debugging
    cannotStart(e instanceof StartupError ? e.message : `unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, e, config);
  }
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) {
        log.warn(`${sig} again: exiting at once`);
        app.abort();
        process.exit(EXIT.failed);
      }
      stopping = true;
      log.info(`${sig}: shutting down; requests in flight have ${config.shutdownGraceMs / 1000} s to finish (a second signal exits at once)`);
      void app.close().then(() => { log.info('shutdown: done'); process.exit(EXIT.stopped); }, (e: unknown) => {
        log.error(`shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(EXIT.failed);
      });
    });
  }
  process.stdout.write(`heater: serving ${config.reposDir} on ${url}\n`);
}

void main();
