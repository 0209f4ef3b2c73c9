// BackupError: a backup or a restore that cannot be made as asked (a target in use, a backup that is not whole).
import { HeaterError } from './heater-error';

/** Why a backup or restore was refused; nothing was changed outside the target given. */
export class BackupError extends HeaterError {
  readonly kind = 'invalid';
  constructor(readonly code: 'target-not-empty' | 'backup-unreadable' | 'backup-mismatch', message: string) {
    super(message);
  }
}
