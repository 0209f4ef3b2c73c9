// `heater --help`: every command (the server, the operator commands, the client commands), the server's options, the exit codes.
import { usage } from '../config/config';
import { EXIT } from './server-exit-codes';
import { TOKEN_COMMANDS, TOKEN_NOTES } from './token';
import { LINK_COMMANDS } from './link';
import { FSCK_COMMAND } from './fsck';
import { BACKUP_COMMANDS } from './backup';
import { CLIENT_COMMANDS, CLIENT_NOTES } from './client/program';

export { EXIT } from './server-exit-codes';

/** The text `heater --help` prints. */
export function helpText(): string {
  return [
    'Usage:',
    '  heater [options]    serve the data directory: the git remote and the REST API under /api/v1',
    ...TOKEN_COMMANDS,
    ...LINK_COMMANDS,
    '  heater reindex [--repos DIR]                       rebuild the catalog index (server stopped)',
    FSCK_COMMAND,
    ...BACKUP_COMMANDS,
    '  heater --help       this text',
    '',
    ...TOKEN_NOTES,
    '',
    'Client commands (talk to a running server over its REST API; heater COMMAND --help for each):',
    ...CLIENT_COMMANDS,
    '',
    ...CLIENT_NOTES,
    '',
    usage(),
    `Exit codes: ${EXIT.stopped} after SIGTERM or SIGINT; ${EXIT.notStarted} when the server cannot start (a bad option,`,
    'the data directory, git, the address), said in one line on stderr; 1 when it fails after starting.',
    '',
  ].join('\n');
}
