// HeaterError: the base of every domain failure; a `kind` says what went wrong, never an HTTP status.

/** What kind of failure an error is; src/http/problem.ts alone maps kinds to statuses. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable';

/** A failure the user can act on: `code` is stable, the message is a sentence for a person. */
export abstract class HeaterError extends Error {
  abstract readonly kind: ErrorKind;
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
