// The launch form page (`/t/:ns/:name/v/:ref/launch`): GET draws it; POST checks every value, then answers the environment file and the command.
import { Router, urlencoded, type Request, type Response } from 'express';
import type { Registry } from '../../registry/registry';
import { checkValue, environmentFile, launchForm, stackCreateCommand, type LaunchForm } from '../../web/launch-form';
import { ENV_FILE, renderLaunchPage, type LaunchView } from '../../web/launch-page';
import type { Access } from '../access';
import { methodNotAllowed } from '../method-not-allowed';
import { fileUrl, onlyParams, templateParam } from '../params';
import type { WebPages } from '../web-pages';
import { entrypointTemplate } from './web-catalog';

export interface WebLaunchDeps {
  readonly registry: Registry;
  readonly access: Access;
  readonly pages: WebPages;
  readonly publicUrl: string;
}

// Heat's rule for stack names (heat/engine/stack.py: a letter, then letters, digits, _ . -; at most 255).
const STACK_NAME = /^[a-zA-Z][a-zA-Z0-9_.-]{0,254}$/;

/** The problems of a submission, by field name ('' for the stack name); empty when it is valid. */
function problemsOf(form: LaunchForm, values: Readonly<Record<string, string>>, stackName: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!STACK_NAME.test(stackName)) out[''] = ['A stack name starts with a letter, then letters, digits, "_", "." or "-" (at most 255).'];
  for (const f of form.groups.flatMap((g) => g.fields)) {
    const raw = values[f.name] ?? '';
    const problems = raw === '' ? (f.required ? ['A value is required.'] : []) : checkValue(f, raw);
    if (problems.length > 0) out[f.name] = problems;
  }
  return out;
}

/** Routes of the launch form. */
export function webLaunchRouter({ registry, access, pages, publicUrl }: WebLaunchDeps): Router {
  const r = Router();
  /** The form of the version `:ref`, and where it sits. */
  const formOf = async (req: Request) => {
    const t = templateParam(req);
    const ref = String(req.params.ref);
    const { gitDir, resolution } = await registry.resolve(t, ref);
    const [facts, files] = await Promise.all([registry.facts(gitDir, resolution), registry.files(gitDir, resolution)]);
    const at = resolution.version?.version ?? resolution.commit;
    const form = launchForm(await entrypointTemplate(registry, t, at, facts.entrypoint, files));
    return { t, ref, version: resolution.version?.version ?? null, form, templateUrl: fileUrl(publicUrl, req, t.id, at, facts.entrypoint) };
  };
  const render = (req: Request, res: Response, view: Omit<LaunchView, 'formToken'>, status = 200) =>
    pages.send(res, renderLaunchPage(pages.context(req), { ...view, formToken: pages.formToken(req, res) }), status);

  r.route('/t/:ns/:name/v/:ref/launch').get(pages.session, access.allow('read', 'template'), async (req, res) => {
    onlyParams(req.query, [], 'the launch form');
    const { t, ref, version, form } = await formOf(req);
    render(req, res, { id: t.id, ref, version, form, values: {}, stackName: t.name.replace(/^[^a-zA-Z]+/, '') || 'stack', problems: {}, result: null });
  }).post(pages.session, access.allow('read', 'template'), urlencoded({ extended: false, limit: '256kb', parameterLimit: 2000 }), pages.checkForm, async (req, res) => {
    onlyParams(req.query, [], 'the launch form');
    const { t, ref, version, form, templateUrl } = await formOf(req);
    const body = req.body as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    const values = Object.fromEntries(form.groups.flatMap((g) => g.fields).map((f) => [f.name, text(body[`p.${f.name}`])]));
    const stackName = text(body.stack_name).trim();
    const problems = problemsOf(form, values, stackName);
    res.setHeader('Cache-Control', 'no-store'); // the values may hold secrets
    const base = { id: t.id, ref, version, form, values, stackName, problems };
    if (Object.keys(problems).length > 0) { render(req, res, { ...base, result: null }, 422); return; }
    const environment = environmentFile(form, values);
    if (body.download === '1') {
      res.setHeader('Content-Type', 'application/yaml');
      res.setHeader('Content-Disposition', `attachment; filename="${ENV_FILE}"`);
      res.end(environment);
      return;
    }
    render(req, res, { ...base, result: { environment, command: stackCreateCommand({ stackName, templateUrl, environmentFile: ENV_FILE }) } });
  }).all(methodNotAllowed('GET, HEAD, POST'));
  return r;
}
