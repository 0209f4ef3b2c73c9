// `heater link rotate-secret|revoke`: read-link administration on the data directory, with or without a running server; audited.
import path from 'node:path';
import { ReadLinks } from '../auth/read-links';
import { parseTemplateId } from '../git/store';
import { cliWrites, runCommand } from './cli-writes';

/** The link commands, one line each, as `heater --help` lists them. */
export const LINK_COMMANDS: readonly string[] = [
  '  heater link rotate-secret [--repos DIR]            every read link signed so far stops working',
  '  heater link revoke NAMESPACE/NAME ID [--repos DIR] one read link stops working',
];
const USAGE = ['Usage:', ...LINK_COMMANDS, 'DIR defaults to $HEATER_REPOS, else ./repos. A running server sees the change at once.',
  'To make a read link through a server\'s REST API: heater link NS/NAME[@REF] [--expires 24h] (heater link --help).', ''].join('\n');

/** Runs the link command; returns the exit code. Output goes to `err` (there is no secret to print). */
export async function linkCli(argv: readonly string[], env: NodeJS.ProcessEnv, err: (s: string) => void): Promise<number> {
  const args = [...argv];
  const at = args.findIndex((a) => a === '--repos' || a.startsWith('--repos='));
  let repos = env.HEATER_REPOS ?? './repos';
  if (at >= 0) {
    const given = args[at]?.includes('=') ? args[at]?.slice('--repos='.length) : args[at + 1];
    if (!given) { err(`heater link: --repos needs a value\n${USAGE}`); return 2; }
    repos = given;
    args.splice(at, args[at]?.includes('=') ? 1 : 2);
  }
  const [verb, ...rest] = args;
  const stateDir = path.join(path.resolve(repos), '.heater');
  return runCommand('link', verb, USAGE, err, repos, async () => {
    if (verb !== 'rotate-secret' && verb !== 'revoke') return null; // the usage, before the data directory is touched
    const links = await ReadLinks.open(stateDir);
    // the same records the REST routes write, by the local user
    const record = cliWrites(stateDir, err);
    if (verb === 'rotate-secret' && rest.length === 0) {
      await links.rotate();
      await record({ action: 'link.rotate-secret', ok: true, detail: 'every read link signed so far is revoked' });
      err('heater: rotated the link secret; every read link signed before is revoked.\n');
      return 0;
    }
    if (verb === 'revoke' && rest.length === 2) {
      const [id = '', name = ''] = (rest[0] ?? '').split('/');
      const t = parseTemplateId(id, name);
      if (!ReadLinks.isId(rest[1] ?? '')) { err(`heater link revoke: "${rest[1]}" is not a link id (24 hexadecimal digits)\n`); return 2; }
      await links.revoke(t.id, rest[1] ?? '');
      await record({ action: 'link.revoke', template: t, namespace: t.namespace, ok: true, detail: `link ${rest[1] ?? ''}` });
      err(`heater: revoked link ${rest[1]} of ${t.id}\n`);
      return 0;
    }
    return null;
  });
}
