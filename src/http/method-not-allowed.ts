// 405 for a known path asked with a method it does not serve, naming the ones it does (RFC 9110 §15.5.6).
import type { RequestHandler } from 'express';
import { MethodNotAllowedError } from '../errors/method-not-allowed-error';

/** A route handler refusing every method it sees with 405 and an Allow header; put it last, in `.all()`. */
export function methodNotAllowed(allow: string): RequestHandler {
  return (req) => { throw new MethodNotAllowedError(req.method, allow); };
}
