// The raw-file fast lane: GET/HEAD of a file at a version answered from memory, before Express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isValidName, type TemplateId } from '../git/store';
import type { Registry } from '../registry/registry';
import type { NamespaceSettingsStore } from '../registry/namespace-settings';
import { versionOfTag } from '../registry/versions';
import { can } from '../auth/policy';
import { ANONYMOUS } from '../auth/principal';
import { sendFile } from './file-response';
import { presentsCredential } from './access';
import { requestId } from './request-id';

const PREFIX = '/api/v1/templates/';

/**
 * Returns a handler that answers `GET|HEAD /api/v1/templates/:ns/:name/versions/:ref/files/*path`
 * when the refs are current in memory, the ref resolves without the repo, and the tree listing and
 * blob are cached, and returns true; otherwise it touches nothing and returns false, and the Express
 * route (same answers, through file-response.ts) handles the request and fills the caches.
 * Express costs about 5x the time of the whole cached answer (measured: bench/RESULTS.md).
 * It serves anonymous requests that can() lets read; a request with a credential goes to the full
 * route, which checks it (a credential that is presented must be valid, even for a public file).
 */
export function fastFiles(registry: Registry, settings: NamespaceSettingsStore): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url?.startsWith(PREFIX) || presentsCredential(req)) return false;
    const q = req.url.indexOf('?');
    const parts = (q < 0 ? req.url : req.url.slice(0, q)).slice(PREFIX.length).split('/');
    // ns / name / "versions" / ref / "files" / path...
    if (parts.length < 6 || parts[2] !== 'versions' || parts[4] !== 'files') return false;
    let ref: string;
    let filePath: string;
    try {
      ref = decodeURIComponent(parts[3] ?? '');
      const segments = parts.slice(5).map(decodeURIComponent);
      if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0'))) return false;
      filePath = segments.join('/');
    } catch {
      return false; // malformed percent-encoding: the Express route explains it
    }
    const [namespace = '', name = ''] = parts;
    if (!isValidName(namespace) || !isValidName(name)) return false;
    const target = { kind: 'template', namespace, name, anonymousRead: settings.peek(namespace).anonymousRead, version: versionOfTag(ref) } as const;
    if (!can(ANONYMOUS, 'read', target).allowed) return false; // the Express route gives the answer (404 for a private namespace)
    const t: TemplateId = { namespace, name, id: `${namespace}/${name}` };
    let hit: ReturnType<Registry['fileFromCache']>;
    try { hit = registry.fileFromCache(t, ref, filePath); } catch { return false; } // odd disk state: the full route explains it
    if (!hit) return false;
    res.setHeader('X-Request-Id', requestId(req));
    sendFile(req, res, hit.resolution, hit.file, filePath, hit.body, 'public'); // anonymous, so a public namespace
    return true;
  };
}
