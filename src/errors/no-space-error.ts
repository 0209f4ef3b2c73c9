// NoSpaceError: the data directory's filesystem is full (or its quota spent), so a write could not be made.
import { HeaterError } from './heater-error';

// what the kernel says (ENOSPC, EDQUOT) and how git words the same errno in its messages
const SYSTEM_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);
const GIT_WORDS = /No space left on device|Disk quota exceeded/;

/** A write failed for want of space; the write was not kept (git and the publisher write to temporary files first). */
export class NoSpaceError extends HeaterError {
  readonly kind = 'insufficient-storage';
  readonly code = 'no-space';
}

/**
 * A NoSpaceError when `e` is a full disk: a system error with ENOSPC or EDQUOT, or a failed git
 * command whose stderr says so; undefined for anything else.
 */
export function noSpaceOf(e: unknown): NoSpaceError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  const stderr = (e as { stderr?: unknown } | null)?.stderr;
  if ((typeof code === 'string' && SYSTEM_CODES.has(code)) || (typeof stderr === 'string' && GIT_WORDS.test(stderr))) {
    return new NoSpaceError('There is no space left on the server\'s data directory, so nothing was written; try again once an operator has freed space.');
  }
  return undefined;
}
