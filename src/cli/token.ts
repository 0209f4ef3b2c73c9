// `heater token create|list|revoke`: token administration on the data directory, with or without a running server.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { TokenStore, parseExpiry } from '../auth/token-store';
import { tokenEntry } from '../audit/audit-log';
import { cliWrites, runCommand } from './cli-writes';

/** The token commands, one line each, as `heater --help` lists them too. */
export const TOKEN_COMMANDS: readonly string[] = [
  '  heater token create --name NAME --scope SCOPE [--scope SCOPE…] [--expires 90d|12h|ISO-DATE] [--repos DIR]',
  '  heater token list [--repos DIR]',
  '  heater token revoke ID-OR-NAME [--repos DIR]',
];
/** What SCOPE and DIR are. */
export const TOKEN_NOTES: readonly string[] = [
  'SCOPE is read, write or admin, alone (everywhere) or for one namespace: write:acme.',
  'DIR defaults to $HEATER_REPOS, else ./repos. A running server sees the change at once.',
];
const TOKEN_USAGE = ['Usage:', ...TOKEN_COMMANDS, ...TOKEN_NOTES, ''].join('\n');

/** Runs the token command; returns the exit code. Output goes to `out`, errors to `err`. */
export async function tokenCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [verb, ...rest] = argv;
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const [k, inline] = a.split(/=(.*)/s);
    const v = inline ?? rest[++i];
    if (v === undefined) { err(`heater token: ${k} needs a value\n${TOKEN_USAGE}`); return 2; }
    flags.set(k ?? '', [...(flags.get(k ?? '') ?? []), v]);
  }
  const repos = path.resolve(flags.get('--repos')?.[0] ?? env.HEATER_REPOS ?? './repos');
  const stateDir = path.join(repos, '.heater');
  const store = new TokenStore(stateDir);
  // the same records as /api/v1/tokens writes, by the local user
  const record = cliWrites(stateDir, err);
  return runCommand('token', verb, TOKEN_USAGE, err, repos, async () => {
    if (verb === 'create') {
      const name = flags.get('--name')?.[0];
      if (!name) { err(`heater token create: --name is required\n${TOKEN_USAGE}`); return 2; }
      const expires = flags.get('--expires')?.[0];
      await fs.mkdir(path.join(repos, '.heater'), { recursive: true, mode: 0o700 });
      const made = await store.create(name, flags.get('--scope') ?? [], expires ? parseExpiry(expires) : null);
      await record(tokenEntry('token.create', made.info));
      out(`${made.token}\n`);
      err(`heater: token ${made.info.name} (${made.info.id}) with ${made.info.scopes.join(', ')}${made.info.expires ? `, expires ${made.info.expires}` : ''}; the secret above is shown only this once.\n`);
      return 0;
    }
    if (verb === 'list') {
      for (const t of await store.list()) out(`${t.id}  ${t.name}  ${t.scopes.join(',')}  created ${t.created}  expires ${t.expires ?? 'never'}  last used ${t.lastUsed ?? 'never'}\n`);
      return 0;
    }
    if (verb === 'revoke') {
      const which = positional[0];
      if (!which) { err(`heater token revoke: give the token's id or name\n${TOKEN_USAGE}`); return 2; }
      const gone = await store.revoke(which);
      await record(tokenEntry('token.revoke', gone));
      err(`heater: revoked ${gone.name} (${gone.id})\n`);
      return 0;
    }
    return null;
  });
}
