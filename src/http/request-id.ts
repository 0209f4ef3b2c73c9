// Request ids: the client's X-Request-Id when it is a sane token, else a cheap unique one; one per request, however often asked.
import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';

const SANE = /^[\w.-]{1,64}$/;
const prefix = randomBytes(4).toString('hex'); // per process, so ids from two runs do not collide
let counter = 0;
const given = new WeakMap<IncomingMessage, string>();

/** The id to log a request under and to send back in X-Request-Id: the same for every caller of one request. */
export function requestId(req: IncomingMessage): string {
  let id = given.get(req);
  if (id === undefined) {
    const header = req.headers['x-request-id'];
    id = requestIdFrom(typeof header === 'string' ? header : undefined);
    given.set(req, id);
  }
  return id;
}

/**
 * The id for a request whose X-Request-Id header is `header` (undefined when absent), not
 * remembered: for an answer complete before anything else could ask (the lane of answers from memory).
 */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SANE.test(header) ? header : `${prefix}-${(++counter).toString(36)}`;
}
