#!/usr/bin/env node
// Process entry: load the configuration, start the server, stop cleanly on SIGINT/SIGTERM.
import { loadConfig, usage } from './config/config';
import { ConfigError } from './errors/config-error';
import { createApp } from './app';
import { tokenCli } from './cli/token';
import { linkCli } from './cli/link';
import { reindexCli } from './cli/reindex';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'token') {
    process.exitCode = await tokenCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
    return;
  }
  if (argv[0] === 'reindex') { process.exitCode = await reindexCli(argv.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)); return; }
  if (argv[0] === 'link') { process.exitCode = await linkCli(argv.slice(1), process.env, (s) => process.stderr.write(s)); return; }
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(usage()); return; }
  let config;
  try {
    config = loadConfig(process.env, argv);
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`heater: cannot start: ${e.problems.join('; ')}.\n`); process.exit(2); }
    throw e;
  }
  const app = await createApp(config);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      void app.close().then(() => process.exit(0));
    });
  }
  const url = await app.listen().catch((e: NodeJS.ErrnoException) => {
    process.stderr.write(`heater: cannot listen on ${config.host}:${config.port}: ${e.code ?? e.message}.\n`);
    process.exit(1);
  });
  process.stdout.write(`heater: serving ${config.reposDir} on ${url}\n`);
}

void main();
