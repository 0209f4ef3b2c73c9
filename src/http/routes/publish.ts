// Writes over REST: publish a version (JSON or .tar.gz), move and remove labels, deprecate and yank.
import { Router, json, raw, type Request } from 'express';
import { versionInfo } from '../../registry/registry';
import { checkMessage, parseExactVersion, type Publisher } from '../../registry/publisher';
import { filesFromJson, filesFromTarGz } from '../../registry/upload';
import { InvalidInputError } from '../../errors/invalid-input-error';
import { UnsupportedMediaTypeError } from '../../errors/limit-error';
import type { Access } from '../access';
import { flagQuery, takes, templateParam } from '../params';
import { methodNotAllowed } from '../method-not-allowed';

export interface PublishDeps {
  readonly publisher: Publisher;
  /** Largest request body: a .tar.gz as it is, JSON with room for base64 (4/3 of it). */
  readonly maxBodyBytes: number;
  readonly access: Access;
  /** Largest file of a version (HEATER_MAX_FILE_MB). */
  readonly maxFileBytes: number;
}

const PUBLISH_PARAMS = ['version', 'message', 'dryRun'];
const TAR_GZ = ['application/gzip', 'application/x-gzip', 'application/x-tar+gzip', 'application/tar+gzip'];

function objectBody(req: Request, shape: string): Record<string, unknown> {
  const b: unknown = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InvalidInputError('body', `Send a JSON object ${shape} with Content-Type application/json.`);
  return b as Record<string, unknown>;
}

/** Routes that write templates without git. Mounted before versionsRouter, whose GETs share these paths. */
export function publishRouter({ publisher, access, maxBodyBytes, maxFileBytes }: PublishDeps): Router {
  const r = Router();
  // writers only, checked before any body is read
  const writer = access.allow('write', 'template');

  r.route('/templates/:ns/:name/versions').post(writer, takes('a publish', PUBLISH_PARAMS),
    json({ limit: Math.ceil(maxBodyBytes * 4 / 3) + 65536, strict: true }), raw({ type: TAR_GZ, limit: maxBodyBytes }),
    async (req, res) => {
      const t = templateParam(req);
      // version and message are read from the query for a .tar.gz only (a JSON body carries them), as before
      const dryRun = flagQuery(req, 'dryRun');
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      let version: string;
      let message: string;
      let files;
      if (type === 'application/json') {
        const body = objectBody(req, '{"version": "1.2.0", "message": "...", "files": {"template.yaml": "..."}}');
        version = parseExactVersion(body.version);
        message = checkMessage(body.message, 'message', false);
        files = filesFromJson(body.files, maxFileBytes);
      } else if (TAR_GZ.includes(type)) {
        version = parseExactVersion(req.query.version);
        message = checkMessage(req.query.message, 'message', false);
        if (!Buffer.isBuffer(req.body)) throw new InvalidInputError('body', 'The .tar.gz upload is missing.');
        files = filesFromTarGz(req.body, maxFileBytes);
      } else {
        throw new UnsupportedMediaTypeError(`Publish with Content-Type application/json (files inline) or application/gzip (a .tar.gz, with ?version=), not ${type || 'none'}.`);
      }
      if (dryRun) {
        const { judgement: j, warnings } = await publisher.dryRun(t, version, files);
        res.json({
          template: t.id, version, tag: `v${version}`, message: message || `Release ${version}`, dryRun: true, semver: j.policy,
          against: j.against, required: j.compat.required, actual: j.actual, ok: j.ok, breaking: j.compat.breaking, changes: j.compat.changes, warnings,
        });
        return;
      }
      const { version: v, warnings } = await publisher.publish(t, version, message, files, access.actor(req));
      res.status(201).location(`/api/v1/templates/${t.id}/versions/${v.version}`).json({ template: t.id, ...versionInfo(v), warnings });
    });

  r.route('/templates/:ns/:name/labels/:label')
    .put(writer, takes('a label move'), json({ limit: '16kb', strict: true }), async (req, res) => {
      const t = templateParam(req);
      const body = objectBody(req, '{"ref": "1.2.0"}');
      if (typeof body.ref !== 'string') throw new InvalidInputError('ref', '"ref" is required: a version, range, label or commit id to point the label at.');
      res.json({ template: t.id, ...(await publisher.setLabel(t, String(req.params.label), body.ref, access.actor(req))) });
    })
    .delete(writer, takes('a label deletion'), async (req, res) => {
      await publisher.deleteLabel(templateParam(req), String(req.params.label), access.actor(req));
      res.status(204).end();
    })
    .all(methodNotAllowed('PUT, DELETE'));

  // GET of the same path is served by versionsRouter (mounted after), whose 405 names DELETE too
  // the only way around immutability: admins only
  r.route('/templates/:ns/:name/versions/:ref').delete(access.allow('admin', 'template'), takes('a version deletion'), async (req, res) => {
    await publisher.deleteVersion(templateParam(req), parseExactVersion(req.params.ref), access.actor(req));
    res.status(204).end();
  });

  for (const [action, kind, field] of [['deprecate', 'deprecated', 'message'], ['yank', 'yanked', 'reason']] as const) {
    r.route(`/templates/:ns/:name/versions/:version/${action}`)
      .post(writer, takes(`a ${action}`), json({ limit: '16kb', strict: true }), async (req, res) => {
        const t = templateParam(req);
        const version = parseExactVersion(req.params.version);
        const text = checkMessage(objectBody(req, `{"${field}": "..."}`)[field], field, true);
        res.json({ template: t.id, ...versionInfo(await publisher.mark(t, version, kind, text, access.actor(req))) });
      })
      .delete(writer, takes(`an undo of a ${action}`), async (req, res) => {
        const t = templateParam(req);
        res.json({ template: t.id, ...versionInfo(await publisher.mark(t, parseExactVersion(req.params.version), kind, null, access.actor(req))) });
      })
      .all(methodNotAllowed('POST, DELETE'));
  }
  return r;
}
