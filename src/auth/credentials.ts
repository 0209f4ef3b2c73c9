// Reading a credential from an Authorization header: Basic (git) or Bearer (REST).
import { InvalidInputError } from '../errors/invalid-input-error';

/** The token in `Authorization: Bearer <t>` or `Basic base64(user:<t>)`, undefined when absent; throws InvalidInputError when malformed. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const m = /^(Basic|Bearer) +([\x21-\x7e]{1,4096})$/i.exec(header);
  if (!m) throw new InvalidInputError('authorization', 'The Authorization header must be "Bearer <token>" or "Basic <base64 of user:token>".');
  if (m[1]?.toLowerCase() === 'bearer') return m[2];
  const decoded = Buffer.from(m[2] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidInputError('authorization', 'HTTP Basic credentials must be base64 of "user:token"; put the token in the password.');
  return decoded.slice(colon + 1);
}
