// Request ids: the client's X-Request-Id when it is a sane token, else a cheap unique one.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';

const SANE = /^[\w.-]{1,64}$/;
const prefix = randomBytes(4).toString('hex'); // per process, so ids from two runs do not collide
let counter = 0;

/** The id to log a request under and to send back in X-Request-Id. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE.test(given) ? given : `${prefix}-${(++counter).toString(36)}`;
}
