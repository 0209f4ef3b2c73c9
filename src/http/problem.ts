// The one place where domain errors become HTTP: application/problem+json (RFC 9457) for every error.
import type { ErrorRequestHandler, Response } from 'express';
import { HeaterError, type ErrorKind } from '../errors/heater-error';
import { UnauthenticatedError } from '../errors/auth-error';
import { ValidationFailedError } from '../errors/validation-failed-error';
import { BusyError, RateLimitedError } from '../errors/limit-error';
import { SemverViolationError } from '../errors/semver-violation-error';
import type { Logger } from '../log/logger';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
};

const TITLE: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Writes a problem document; `extra` adds members (RFC 9457 extensions), e.g. `problems`. */
export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/problem+json');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify({ type: `urn:heater:problem:${code}`, title: TITLE[status] ?? 'Error', status, detail, instance: res.req.originalUrl, code, ...extra }));
}

// body-parser's own errors carry `type`; they are the client's fault and say so.
const PARSER: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid-json', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'too-large', 'The request body is too large.'],
  'encoding.unsupported': [415, 'unsupported-media-type', 'The request body encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported-media-type', 'The request body charset is not supported; send UTF-8.'],
  'request.aborted': [400, 'aborted', 'The request body was cut short.'],
  'request.size.invalid': [400, 'invalid-length', 'The request body does not match its Content-Length.'],
};

/** The error handler: HeaterErrors by kind, parser errors by type, anything else a logged bare 500. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) { res.destroy(); return; }
    if (err instanceof HeaterError) {
      if (err instanceof UnauthenticatedError) res.setHeader('WWW-Authenticate', `${err.scheme} realm="Heater"`);
      if (err instanceof RateLimitedError || err instanceof BusyError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      const extra = err instanceof ValidationFailedError ? { problems: err.problems } : err instanceof SemverViolationError ? { changes: err.lines.slice(1).map((l) => l.trim()) } : {};
      sendProblem(res, STATUS[err.kind], err.code, err.message, extra);
      return;
    }
    if (err instanceof URIError) { sendProblem(res, 400, 'invalid-url', 'The URL is not valid percent-encoding.'); return; } // Express's param decoding
    const parserType = (err as { type?: unknown }).type;
    const known = typeof parserType === 'string' ? PARSER[parserType] : undefined;
    if (known) { sendProblem(res, known[0], known[1], known[2]); return; }
    // body-parser's other client errors (a body its decoder cannot inflate, say) carry a 4xx status
    const status = (err as { status?: unknown; expose?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose === true) {
      sendProblem(res, status, 'bad-body', 'The request body could not be read; check its Content-Encoding and Content-Type.');
      return;
    }
    const id = res.getHeader('X-Request-Id');
    log.error(`request ${String(id)} ${req.method} ${req.path} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    sendProblem(res, 500, 'internal', `The server failed to handle this request; it has been logged as request ${String(id)}.`);
  };
}
