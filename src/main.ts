#!/usr/bin/env node
// Process entry: load the configuration, start the server, stop cleanly on SIGINT/SIGTERM.
import { loadConfig, type Config } from './config/config';
import { ConfigError } from './errors/config-error';
import { StartupError } from './errors/startup-error';
import { createApp, type App } from './app';
import { tokenCli } from './cli/token';
import { linkCli } from './cli/link';
import { reindexCli } from './cli/reindex';
import { EXIT, helpText } from './cli/help';
import { createLogger } from './log/logger';

/** Ends the process for a start-up failure: one sentence on stderr (the stack too at debug level), exit 2. */
function cannotStart(why: string, e?: unknown, config?: Config): never {
  process.stderr.write(`heater: cannot start: ${why.replace(/\.$/, '')}.\n`);
  if (config?.logLevel === 'debug' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(EXIT.notStarted);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'token') {
    process.exitCode = await tokenCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    return;
  }
  if (argv[0] === 'reindex') { process.exitCode = await reindexCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)); return; }
  if (argv[0] === 'link') { process.exitCode = await linkCli(argv.slice(1), process.env, (s) => process.stderr.write(s)); return; }
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(helpText()); return; }
  let config: Config;
  try {
    config = loadConfig(process.env, argv);
  } catch (e) {
    if (e instanceof ConfigError) cannotStart(e.problems.join('; '));
    throw e;
  }
  const log = createLogger(config.logLevel);
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
