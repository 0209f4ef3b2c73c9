// The client commands' exit codes, and which server answers end in which; docs/cli.md says the same.
/** Exit codes of the client commands. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, notFound: 3, refused: 4 } as const);
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit code of an HTTP error status: 400 is a usage error (an argument the server read as
 * malformed); 404 not found; 401, 403, 409, 413 and 422 refusals (a token, the rules, the semver
 * policy, a limit); everything else (429, 5xx, an unexpected status) a failure, worth a retry.
 */
export function exitOfStatus(status: number): ExitCode {
  if (status === 400) return EXIT.usage;
  if (status === 404) return EXIT.notFound;
  if ([401, 403, 409, 413, 422].includes(status)) return EXIT.refused;
  return EXIT.failed;
}
