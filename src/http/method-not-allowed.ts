// 405 for a known path asked with a method it does not serve, naming the ones it does (RFC 9110 §15.5.6).
import type { RequestHandler, Response } from 'express';
import { sendProblem } from './problem';

/** Writes the 405 problem with an Allow header. */
export function sendMethodNotAllowed(res: Response, allow: string): void {
  res.setHeader('Allow', allow);
  sendProblem(res, 405, 'method-not-allowed', `${res.req.method} is not supported here; this resource accepts ${allow}.`);
}

/** A route handler answering every method it sees with 405; put it last, in `.all()`. */
export function methodNotAllowed(allow: string): RequestHandler {
  return (_req, res) => sendMethodNotAllowed(res, allow);
}
