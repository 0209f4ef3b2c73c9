// UnauthenticatedError and ForbiddenError: no valid credential, or a valid one that may not do this.
import { HeaterError } from './heater-error';

/**
 * No credential was sent where one is needed (`unauthenticated`), or the one sent is not valid:
 * unknown, revoked, expired or malformed (`invalid-token`). `scheme` is the challenge to send back.
 */
export class UnauthenticatedError extends HeaterError {
  readonly kind = 'unauthenticated';
  readonly code: 'unauthenticated' | 'invalid-token';
  constructor(readonly scheme: 'Basic' | 'Bearer', message: string, refused = false) {
    super(message, { challenge: { scheme, refused } });
    this.code = refused ? 'invalid-token' : 'unauthenticated';
  }
}

/** A valid credential that may not do this (`forbidden`), or a read link that is not valid (`invalid-link`). */
export class ForbiddenError extends HeaterError {
  readonly kind = 'forbidden';
  constructor(message: string, readonly code: 'forbidden' | 'invalid-link' = 'forbidden') {
    super(message);
  }
}
