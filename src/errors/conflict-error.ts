// ConflictError: the request is well formed but collides with what already exists.
import { HeaterError } from './heater-error';

/** The target already exists, or a concurrent writer got there first. */
export class ConflictError extends HeaterError {
  readonly kind = 'conflict';
  constructor(readonly code: 'template-exists' | 'version-exists' | 'concurrent-update' | 'token-exists', message: string) {
    super(message);
  }
}
