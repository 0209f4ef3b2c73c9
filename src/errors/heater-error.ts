// HeaterError: the base of every domain failure; a `kind` says what went wrong, never an HTTP status.

/** What kind of failure an error is; src/http/problem.ts alone maps kinds to statuses. */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'method-not-allowed'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'unprocessable'
  | 'rate-limited'
  | 'unavailable'
  | 'insufficient-storage';

/** What an error carries besides its sentence, for whoever renders it (problem.ts copies it without knowing the class). */
export interface ErrorData {
  /** Seconds after which the same request may succeed (HTTP: Retry-After). */
  readonly retryAfter?: number;
  /** The credential to ask for (HTTP: WWW-Authenticate), and whether one was presented and refused (RFC 6750 `invalid_token`). */
  readonly challenge?: { readonly scheme: 'Basic' | 'Bearer'; readonly refused: boolean };
  /** The methods the resource does serve (HTTP: Allow). */
  readonly allow?: string;
  /** Structured detail a client can act on, such as the list of validation problems (problem documents: extension members). */
  readonly members?: Readonly<Record<string, unknown>>;
}

/** A failure the user can act on: `code` is stable, the message is a sentence for a person, `data` the rest. */
export abstract class HeaterError extends Error {
  abstract readonly kind: ErrorKind;
  abstract readonly code: string;
  readonly data: ErrorData;
  constructor(message: string, data: ErrorData = {}) {
    super(message);
    this.name = new.target.name;
    this.data = data;
  }
}
