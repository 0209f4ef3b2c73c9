// Reading a credential from an Authorization header: Basic (git) or Bearer (REST).

/** What an Authorization header presents: nothing, a token, or something that cannot be one. */
export type Presented =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'malformed'; readonly why: string };

/** The token in `Authorization: Bearer <t>` or `Basic base64(user:<t>)`. */
export function presentedCredential(header: string | undefined): Presented {
  if (header === undefined || header === '') return { kind: 'none' };
  const m = /^(Basic|Bearer) +([\x21-\x7e]{1,4096})$/i.exec(header);
  if (!m) return { kind: 'malformed', why: 'The Authorization header must be "Bearer <token>" or "Basic <base64 of user:token>".' };
  if (m[1]?.toLowerCase() === 'bearer') return { kind: 'token', token: m[2] ?? '' };
  const decoded = Buffer.from(m[2] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { kind: 'malformed', why: 'HTTP Basic credentials must be base64 of "user:token"; put the token in the password.' };
  return { kind: 'token', token: decoded.slice(colon + 1) };
}
