// `heater --help`: every command (the server, the token and link commands), the server's options, the exit codes.
import { usage } from '../config/config';
import { TOKEN_COMMANDS, TOKEN_NOTES } from './token';
import { LINK_COMMANDS } from './link';

/** Exit codes of the server process; docs/operations.md says the same. */
export const EXIT = Object.freeze({ stopped: 0, failed: 1, notStarted: 2 });

/** The text `heater --help` prints. */
export function helpText(): string {
  return [
    'Usage:',
    '  heater [options]    serve the data directory: the git remote and the REST API under /api/v1',
    ...TOKEN_COMMANDS,
    ...LINK_COMMANDS,
    '  heater --help       this text',
    '',
    ...TOKEN_NOTES,
    '',
    usage(),
    `Exit codes: ${EXIT.stopped} after SIGTERM or SIGINT; ${EXIT.notStarted} when the server cannot start (a bad option,`,
    'the data directory, git, the address), said in one line on stderr; 1 when it fails after starting.',
    '',
  ].join('\n');
}
