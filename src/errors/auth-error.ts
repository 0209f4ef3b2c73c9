// UnauthenticatedError and ForbiddenError: no credential, or a credential that may not do this.
import { HeaterError } from './heater-error';

/** No credential was sent where one is needed; `scheme` is the challenge to send back. */
export class UnauthenticatedError extends HeaterError {
  readonly kind = 'unauthenticated';
  readonly code = 'unauthenticated';
  constructor(readonly scheme: 'Basic' | 'Bearer', message: string) {
    super(message, { challenge: { scheme, refused: false } });
  }
}

/** A credential was sent but it is wrong or lacks the right. */
export class ForbiddenError extends HeaterError {
  readonly kind = 'forbidden';
  readonly code = 'forbidden';
}
