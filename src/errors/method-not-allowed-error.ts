// MethodNotAllowedError: a known path asked with a method it does not serve (RFC 9110 §15.5.6).
import { HeaterError } from './heater-error';

/** `allow` lists the methods the path does serve. */
export class MethodNotAllowedError extends HeaterError {
  readonly kind = 'method-not-allowed';
  readonly code = 'method-not-allowed';
  constructor(method: string, allow: string) {
    super(`${method} is not supported here; this resource accepts ${allow}.`, { allow });
  }
}
