// The one place where errors become HTTP: the status of each kind, its headers, and two renderings of the same
// answer: application/problem+json (RFC 9457) for the REST API, one plain-text line for git clients.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Request } from 'express';
import { HeaterError, type ErrorKind } from '../errors/heater-error';
import type { Logger } from '../log/logger';
import { noSpaceOf } from '../errors/no-space-error';

const STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'rate-limited': 429,
  unavailable: 503,
  'insufficient-storage': 507,
};

const TITLE: Readonly<Record<number, string>> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable', 507: 'Insufficient Storage',
};

/** An error as HTTP sees it, before it is rendered. */
export interface Answer {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly members: Readonly<Record<string, unknown>>;
}

/** How an answer is written: a problem document (REST), or a line of text git shows as `remote:` (git routes). */
export type Rendering = 'problem' | 'plain';

/** The reason phrase of a status, as problem documents and error pages title it. */
export function titleOf(status: number): string {
  return TITLE[status] ?? 'Error';
}

// body-parser's own errors carry `type`; they are the client's fault and say so.
const PARSER: Readonly<Record<string, [number, string, string]>> = {
  'entity.parse.failed': [400, 'invalid-json', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'too-large', 'The request body is too large.'],
  'encoding.unsupported': [415, 'unsupported-media-type', 'The request body encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported-media-type', 'The request body charset is not supported; send UTF-8.'],
  'request.aborted': [400, 'aborted', 'The request body was cut short.'],
  'request.size.invalid': [400, 'invalid-length', 'The request body does not match its Content-Length.'],
};

const bare = (status: number, code: string, detail: string): Answer => ({ status, code, detail, headers: {}, members: {} });

/** The headers an error's data asks for: Retry-After, WWW-Authenticate (RFC 7235, RFC 6750 §3), Allow. */
function headersOf(err: HeaterError): Record<string, string> {
  const { retryAfter, challenge, allow } = err.data;
  const h: Record<string, string> = {};
  if (retryAfter !== undefined) h['Retry-After'] = String(retryAfter);
  // git 2.39 parses one plain challenge only (GIT-HTTP.md §1.7), so only Bearer gets RFC 6750's error parameter
  if (challenge) h['WWW-Authenticate'] = `${challenge.scheme} realm="Heater"${challenge.refused && challenge.scheme === 'Bearer' ? ', error="invalid_token"' : ''}`;
  if (allow !== undefined) h.Allow = allow;
  return h;
}

/** The request's path for a log line: Express's, or the URL's before the query (the git remote answers without Express). */
const pathOf = (req: IncomingMessage) => (req as Partial<Request>).path ?? (req.url ?? '').split('?')[0];

/** The answer for any error: HeaterErrors by kind, parser errors by type, a full disk 507, anything else a logged bare 500 (the web pages render it as HTML). */
export function answerFor(err: unknown, req: IncomingMessage, res: ServerResponse, log: Logger): Answer {
  if (err instanceof HeaterError) return { status: STATUS[err.kind], code: err.code, detail: err.message, headers: headersOf(err), members: err.data.members ?? {} };
  if (err instanceof URIError) return bare(400, 'invalid-url', 'The URL is not valid percent-encoding.'); // Express's param decoding
  const parserType = (err as { type?: unknown }).type;
  const known = typeof parserType === 'string' ? PARSER[parserType] : undefined;
  if (known) return bare(...known);
  // body-parser's other client errors (a body its decoder cannot inflate, say) carry a 4xx status
  const status = (err as { status?: unknown; expose?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose === true) {
    return bare(status, 'bad-body', 'The request body could not be read; check its Content-Encoding and Content-Type.');
  }
  const id = res.getHeader('X-Request-Id');
  const full = noSpaceOf(err); // the operator must hear of it; the client is told what it is, not a bare 500
  if (full) {
    log.error(`request ${String(id)} ${req.method} ${pathOf(req)}: the data directory is full: ${err instanceof Error ? err.message : String(err)}`);
    return bare(507, full.code, full.message);
  }
  log.error(`request ${String(id)} ${req.method} ${pathOf(req)} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return bare(500, 'internal', `The server failed to handle this request; it has been logged as request ${String(id)}.`);
}

/**
 * Answers a request with an error, rendered as asked. git shows an error body as `remote:` lines only
 * when it is text/plain, and only for the first request of an operation (remote-curl.c show_http_message;
 * the body of a refused POST is dropped by rpc_in), so the plain rendering is one line.
 */
export function sendError(err: unknown, req: IncomingMessage, res: ServerResponse, log: Logger, rendering: Rendering): void {
  if (res.headersSent) { res.destroy(); return; }
  const a = answerFor(err, req, res, log);
  res.statusCode = a.status;
  for (const [k, v] of Object.entries(a.headers)) res.setHeader(k, v);
  res.setHeader('Cache-Control', 'no-store');
  if (rendering === 'plain') {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`${a.detail.replace(/\s*\n\s*/g, ' ')}\n`);
    return;
  }
  res.setHeader('Content-Type', 'application/problem+json');
  res.end(JSON.stringify({ type: `urn:heater:problem:${a.code}`, title: titleOf(a.status), status: a.status, detail: a.detail, instance: (req as Partial<Request>).originalUrl ?? req.url, code: a.code, ...a.members }));
}

/** The REST error handler: every error as a problem document. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => sendError(err, req, res, log, 'problem');
}
