// The client commands as one commander program: which argv they take, how a run ends (exit code, the one-line error, --json problems).
import { Command, CommanderError } from 'commander';
import { systemReason } from '../../errors/startup-error';
import { CliError } from './cli-error';
import { Context } from './context';
import { EXIT } from './exit-codes';
import type { Io, Output } from './output';
import { registerLogin } from './commands/login';
import { registerBrowse } from './commands/browse';
import { registerGet } from './commands/get';
import { registerPublish } from './commands/publish';
import { registerDiff } from './commands/diff';
import { registerMarks } from './commands/marks';
import { registerLink } from './commands/link';
import { registerHistory } from './commands/history';

/** The client commands, one line each, as `heater --help` lists them. */
export const CLIENT_COMMANDS: readonly string[] = [
  '  heater login URL [--token-stdin]          check a token against a server and save both',
  '  heater logout                             forget them',
  '  heater search [QUERY] [--keyword K]… [--namespace NS] [--resource-type T]… [--parameter P]… [--sort BY] [--limit N]',
  '  heater info NS/NAME                       one template',
  '  heater versions NS/NAME                   its versions, highest first',
  '  heater get NS/NAME[@REF] [-o DIR] [--force]   the tree at a version, every file checked against its blob id',
  '  heater publish DIR [-t NS/NAME] --version V [--message M] [--dry-run]   (-t: default, the template DIR is a clone of)',
  '  heater diff NS/NAME FROM TO [--structural]',
  '  heater label NS/NAME LABEL REF | heater label NS/NAME LABEL --delete',
  '  heater deprecate NS/NAME VERSION --message M | --undo',
  '  heater yank NS/NAME VERSION --reason R | --undo',
  '  heater link NS/NAME[@REF] [--expires 24h]  a read link for Heat',
  '  heater changelog NS/NAME                  every version with its Heat changes',
  '  heater dependents NS/NAME                 who uses it',
];
/** What the client commands share, as `heater --help` says it. */
export const CLIENT_NOTES: readonly string[] = [
  'Client commands talk to a server: --url, else $HEATER_URL, else the one of heater login; the token is',
  '$HEATER_TOKEN, else the saved one (sent only to the server it was saved for). Each takes --json and --help.',
  `Their exit codes: ${EXIT.ok} ok, ${EXIT.failed} failure (network, server error, a download that does not match its blob id),`,
  `${EXIT.usage} usage (also the server's 400), ${EXIT.notFound} not found (404), ${EXIT.refused} refused (401, 403, 409, 413, 422). See docs/cli.md.`,
];

const NAMES = ['login', 'logout', 'search', 'info', 'versions', 'get', 'publish', 'diff', 'label', 'deprecate', 'yank', 'link', 'changelog', 'dependents'];

/**
 * Whether argv is a client command. `heater link` is the client form unless it is one of the
 * operator forms on the data directory: `rotate-secret` or `revoke` as its first word, a
 * `--repos` option, or no arguments at all (which prints the operator usage, as before).
 */
export function isClientCommand(argv: readonly string[]): boolean {
  const [name, ...rest] = argv;
  if (name === undefined || !NAMES.includes(name)) return false;
  if (name !== 'link') return true;
  if (rest.length === 0 || rest.some((a) => a === '--repos' || a.startsWith('--repos='))) return false;
  const first = rest.find((a) => !a.startsWith('-'));
  return first !== 'rotate-secret' && first !== 'revoke';
}

/** The detail lines a problem carries: each validation problem, each change a semver refusal names. */
function problemLines(e: CliError): string[] {
  const problems = e.problem?.problems;
  const changes = e.problem?.changes;
  const lines: string[] = [];
  if (Array.isArray(problems)) {
    for (const p of problems as readonly Record<string, unknown>[]) {
      const where = [p.file, p.line, p.column].filter((x) => x !== undefined && x !== '').join(':');
      lines.push(`  ${where ? `${where}: ` : ''}${String(p.message ?? '')}${p.rule ? ` (${String(p.rule)})` : ''}`);
    }
  }
  if (Array.isArray(changes)) for (const c of changes) lines.push(`  ${String(c)}`);
  return lines;
}

/** Says how a command failed: one line on stderr (and the problem's details under it); with --json the problem on stdout too. */
function report(io: Io, out: Output | null, command: string, e: CliError): void {
  io.stderr.write(`heater ${command}: ${e.message}\n`);
  for (const l of problemLines(e)) io.stderr.write(`${l}\n`);
  if (out?.isJson) out.json({ error: { exit: e.exit, message: e.message, problem: e.problem } });
}

/** Runs a client command; returns its exit code. Never throws for a failure it can name. */
export async function clientCli(argv: readonly string[], io: Io): Promise<number> {
  const ctx = new Context(io);
  const program = new Command('heater')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: (s, write) => write(`heater ${argv[0] ?? ''}: ${s.replace(/^error: /, '')}`) })
    .addHelpText('after', `\n${CLIENT_NOTES.join('\n')}`);
  for (const register of [registerLogin, registerBrowse, registerGet, registerPublish, registerDiff, registerMarks, registerLink, registerHistory]) register(program, ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    if (e instanceof CliError) { report(io, ctx.out, argv[0] ?? '', e); return e.exit; }
    const errno = e as NodeJS.ErrnoException;
    if (typeof errno.code === 'string' && typeof errno.syscall === 'string') {
      report(io, ctx.out, argv[0] ?? '', new CliError(`${errno.path ? `${errno.path}: ` : ''}${systemReason(e)}`, EXIT.failed));
      return EXIT.failed;
    }
    throw e;
  }
}
