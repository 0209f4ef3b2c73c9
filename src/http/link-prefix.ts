// Read links in the path: `/l/<token>/api/v1/…` is served as `/api/v1/…`, with the token as the request's credential.
import type { IncomingMessage } from 'node:http';

const presented = new WeakMap<IncomingMessage, string>();

/**
 * Takes a read link off the front of the URL, before the cached-answer lane and Express see it: the route
 * is then the rest of the path, so every relative URL a client resolves against it (Heat's
 * `get_file`, nested templates) keeps the link, and no route, log line or problem's `instance`
 * ever holds the token. Call once per request.
 */
export function takeLink(req: IncomingMessage): void {
  const url = req.url ?? '';
  if (!url.startsWith('/l/')) return;
  let end = 3;
  while (end < url.length && url[end] !== '/' && url[end] !== '?') end++;
  presented.set(req, url.slice(3, end));
  req.url = url[end] === '/' ? url.slice(end) : `/${url.slice(end)}`;
}

/** The read link the request came with, if any (as given: the Authenticator checks it). */
export function presentedLink(req: IncomingMessage): string | undefined {
  return presented.get(req);
}
