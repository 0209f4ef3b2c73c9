// StartupError: the server cannot start (data directory, git, listening address); one sentence for the operator.

/** Thrown by createApp and App.listen; `message` is one sentence saying what is wrong and where. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const WHY: Readonly<Record<string, string>> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'it exists and is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EADDRINUSE: 'the address is in use (is another server running on that port?)',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s',
};

/** A short reason for a Node system error (`ENOTDIR` → "a part of the path is a file, not a directory"), else its message. */
export function systemReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why = err.code ? WHY[err.code] : undefined;
  if (why) return `${why} (${err.code})`;
  return (err.message ?? String(e)).replace(/\.$/, '');
}
