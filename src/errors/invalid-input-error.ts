// InvalidInputError: a name, ref, path, header or body that breaks a documented rule.
import { HeaterError } from './heater-error';

/** The request itself is malformed; `field` names the part that is wrong. */
export class InvalidInputError extends HeaterError {
  readonly kind = 'invalid';
  readonly code = 'invalid-input';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}
