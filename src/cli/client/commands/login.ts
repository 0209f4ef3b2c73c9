// `heater login URL` (the token checked with GET /api/v1/whoami, then saved) and `heater logout`.
import type { Command } from 'commander';
import { ApiClient } from '../api-client';
import { CliError, usageError } from '../cli-error';
import { ConfigFile } from '../config-file';
import { normalizeUrl } from '../connection';
import { EXIT } from '../exit-codes';
import type { Context, CommonOptions } from '../context';
import type { Io } from '../output';

interface WhoAmI {
  readonly anonymous: boolean;
  readonly name: string | null;
  readonly admin?: boolean;
  readonly scopes: readonly string[];
}

/** All of stdin, trimmed of the line end a pipe or heredoc adds. */
async function readStdin(stdin: Io['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Asks for the token on a terminal without echoing it. */
async function prompt(io: Io): Promise<string> {
  const stdin = io.stdin as NodeJS.ReadStream;
  io.stderr.write('Token: ');
  stdin.setRawMode(true);
  stdin.resume();
  try {
    let typed = '';
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return typed.trim();
        if (ch === '\u0003') throw new CliError('cancelled', EXIT.failed); // Ctrl-C in raw mode
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
      }
    }
    return typed.trim();
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    io.stderr.write('\n');
  }
}

/** The token to log in with: --token-stdin, else HEATER_TOKEN, else asked for on a terminal. Throws a usage CliError. */
async function tokenFor(io: Io, fromStdin: boolean): Promise<string> {
  const token = fromStdin ? await readStdin(io.stdin) : io.env.HEATER_TOKEN || (io.stdin.isTTY ? await prompt(io) : '');
  if (!token) throw usageError(fromStdin ? 'stdin held no token' : 'no token: pipe it with --token-stdin, set HEATER_TOKEN, or run heater login on a terminal');
  return token;
}

/** Registers login and logout. */
export function registerLogin(program: Command, ctx: Context): void {
  ctx.common(program.command('login')
    .description('check a token against a server and save both for the other commands')
    .argument('<url>', 'the server, like http://127.0.0.1:8080')
    .option('--token-stdin', 'read the token from stdin (else $HEATER_TOKEN, else a prompt)'), { url: false })
    .action(async (rawUrl: string, opts: CommonOptions & { tokenStdin?: boolean }) => {
      const out = ctx.output(opts);
      const url = normalizeUrl(rawUrl);
      const token = await tokenFor(ctx.io, opts.tokenStdin === true);
      const who = await new ApiClient(url, token).json<WhoAmI>('GET', '/whoami');
      const file = ConfigFile.locate(ctx.io.env);
      await file.write({ url, token });
      if (out.isJson) { out.json({ url, name: who.name, admin: who.admin ?? false, scopes: who.scopes, configFile: file.file }); return; }
      out.line(`Logged in to ${url} as ${out.style('bold', who.name ?? '?')} (${who.scopes.join(', ') || 'no scopes'}); saved in ${file.file}`);
    });

  ctx.common(program.command('logout')
    .description('forget the saved server and token'), { url: false })
    .action(async (opts: CommonOptions) => {
      const out = ctx.output(opts);
      const file = ConfigFile.locate(ctx.io.env);
      const removed = await file.remove();
      if (out.isJson) { out.json({ loggedOut: removed, configFile: file.file }); return; }
      out.line(removed ? `Logged out (removed ${file.file})` : 'Not logged in');
    });
}
