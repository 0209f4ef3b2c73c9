// NotFoundError and its kinds: a template, version, ref or file that does not exist.
import { HeaterError } from './heater-error';

/** Something the request names does not exist; the message says what does. */
export class NotFoundError extends HeaterError {
  readonly kind = 'not-found';
  constructor(readonly code: 'template-not-found' | 'namespace-not-found' | 'version-not-found' | 'label-not-found' | 'token-not-found' | 'file-not-found' | 'route-not-found', message: string) {
    super(message);
  }
}
