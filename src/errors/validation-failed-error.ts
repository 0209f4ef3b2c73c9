// ValidationFailedError: a version whose files break the validation rules; carries every problem.
import { HeaterError } from './heater-error';
import type { ValidationProblem } from '../registry/validate/problem';

/** The version does not validate; `problems` lists all of them (file, line, column, rule, message). */
export class ValidationFailedError extends HeaterError {
  readonly kind = 'unprocessable';
  readonly code = 'validation-failed';
  constructor(readonly problems: readonly ValidationProblem[], what: string) {
    super(`${what} does not validate: ${problems.length} problem${problems.length === 1 ? '' : 's'}, listed in "problems".`, { members: { problems } });
  }
}
