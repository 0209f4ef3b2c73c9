// SemverViolationError: a version number too small for the breaking changes it carries (policy: enforce).
import { HeaterError } from './heater-error';

/** Refused by the namespace's `semver: enforce` policy; `lines` say which bump is needed and why. */
export class SemverViolationError extends HeaterError {
  readonly kind = 'unprocessable';
  readonly code = 'semver-violation';
  constructor(readonly lines: readonly string[]) {
    super(`${(lines[0] ?? 'The version number is too small for its changes').replace(/:$/, '.')} The changes are listed in "changes".`,
      { members: { changes: lines.slice(1).map((l) => l.trim()) } });
  }
}
