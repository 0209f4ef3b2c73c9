// git's blob id of a file's bytes, and the check of a download against the id the server listed.
import { createHash } from 'node:crypto';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/** The SHA-1 git names a blob by: sha1("blob <length>\0" + bytes), in hex (gitformat-loose, "Object format"). */
export function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Throws CliError (exit 1) unless `bytes` are the blob `expected`: a download altered on its way is never written. */
export function checkBlob(filePath: string, bytes: Uint8Array, expected: string): void {
  const got = blobId(bytes);
  if (got !== expected.toLowerCase()) {
    throw new CliError(`${filePath}: the download is not blob ${expected} (got ${bytes.length} bytes hashing to ${got}); nothing was written`, EXIT.failed);
  }
}
