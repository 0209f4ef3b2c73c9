// CliError: a client command's failure, with the exit code it ends in and the server's problem document when there was one.
import { EXIT, type ExitCode } from './exit-codes';

/** An RFC 9457 problem document as the server sends it (`detail` always filled in by the client). */
export interface Problem {
  readonly status: number;
  readonly detail: string;
  readonly code?: string;
  readonly [member: string]: unknown;
}

/** What a command says on stderr (one line) and the code it exits with; `problem` is printed with --json. */
export class CliError extends Error {
  constructor(message: string, readonly exit: ExitCode, readonly problem: Problem | null = null) {
    super(message);
    this.name = 'CliError';
  }
}

/** A mistake in how the command was called: exit 2. */
export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}
