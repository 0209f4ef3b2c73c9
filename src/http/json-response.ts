// JSON answers with an ETag of their bytes, so a client (or the cached-answer lane) can revalidate with If-None-Match.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { matches } from './file-response';

/**
 * Sends `value` as JSON (the bytes Express's res.json sends) with a strong ETag hashed from them:
 * 304 without a body when If-None-Match holds it, no body for HEAD.
 */
export function sendJson(req: Request, res: Response, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
  res.setHeader('ETag', etag);
  if (matches(req, etag)) { res.status(304).end(); return; }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', String(body.length));
  if (req.method === 'HEAD') res.end(); else res.end(body);
}
