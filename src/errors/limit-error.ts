// Errors for requests the server will not take in the shape they arrive: too big, wrong type, too busy.
import { HeaterError } from './heater-error';

/** A body or stream passed a configured size limit. */
export class TooLargeError extends HeaterError {
  readonly kind = 'too-large';
  readonly code = 'too-large';
}

/** A request body came with a content type or encoding the route does not accept. */
export class UnsupportedMediaTypeError extends HeaterError {
  readonly kind = 'unsupported-media-type';
  readonly code = 'unsupported-media-type';
}

/** The server cannot serve this now (shutting down, a git process failed to start). */
export class UnavailableError extends HeaterError {
  readonly kind = 'unavailable';
  readonly code = 'unavailable';
}

/** Too many attempts from one client; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends HeaterError {
  readonly kind = 'rate-limited';
  readonly code = 'rate-limited';
  constructor(readonly retryAfterSeconds: number, message: string) {
    super(message, { retryAfter: retryAfterSeconds });
  }
}

/** The server is at its limit of concurrent work; `retryAfterSeconds` says when to try again. */
export class BusyError extends HeaterError {
  readonly kind = 'unavailable';
  readonly code = 'busy';
  constructor(readonly retryAfterSeconds: number, message: string) {
    super(message, { retryAfter: retryAfterSeconds });
  }
}
