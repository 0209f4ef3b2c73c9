// The launch form (`/t/:ns/:name/v/:ref/launch`): the parameters as Horizon draws them, checked as you type and on the server.
import type { LaunchField, LaunchForm } from './launch-form';
import { renderPage, type PageContext } from './layout';
import { CopyLine, versionPath } from './template-page';

export interface LaunchView {
  readonly id: string;
  readonly ref: string;
  readonly version: string | null;
  readonly form: LaunchForm;
  /** The form token of this form (the session's, or the form cookie's). */
  readonly formToken: string;
  /** What was sent (after a POST), by field name, and the stack name. */
  readonly values: Readonly<Record<string, string>>;
  readonly stackName: string;
  /** Problems by field name ('' for the stack name), after a POST. */
  readonly problems: Readonly<Record<string, readonly string[]>>;
  /** After a valid POST: the environment file and the command. */
  readonly result: { readonly environment: string; readonly command: string } | null;
}

/** The environment file's name in the download and the command. */
export const ENV_FILE = 'environment.yaml';

function describe(f: LaunchField): string[] {
  const out = f.constraints.map((c) => {
    if (c.kind === 'allowed_values') return `one of ${(c.values ?? []).map(String).join(', ')}`;
    if (c.kind === 'range' || c.kind === 'length') return `${c.kind === 'length' ? 'length' : 'value'} ${c.min ?? '…'} to ${c.max ?? '…'}`;
    if (c.kind === 'allowed_pattern') return `matches ${c.pattern ?? ''}${c.checked ? '' : ' (checked by Heat)'}`;
    if (c.kind === 'modulo') return `step ${c.step ?? ''} from ${c.offset ?? ''}`;
    return `${c.name ?? ''} (checked by the cloud)`;
  });
  return [f.type, ...(f.required ? ['required'] : []), ...(f.immutable ? ['immutable after create'] : []), ...out];
}

function Input({ f, value, described }: { f: LaunchField; value: string; described: string }) {
  const id = `p-${f.name}`;
  const common = { id, name: `p.${f.name}`, 'aria-describedby': described, 'data-field': JSON.stringify(f), required: f.required };
  const allowed = f.constraints.find((c) => c.kind === 'allowed_values');
  if (allowed && f.type !== 'comma_delimited_list' && f.type !== 'json') {
    return (
      <select {...common}>
        {f.required ? <option value="" selected={value === ''}>Choose…</option> : null}
        {(allowed.values ?? []).map((v) => <option value={String(v)} selected={String(v) === value}>{String(v)}</option>)}
      </select>
    );
  }
  if (f.type === 'boolean') {
    return <select {...common}>{['', 'true', 'false'].map((v) => <option value={v} selected={v === value}>{v === '' ? 'Default' : v}</option>)}</select>;
  }
  if (f.type === 'json') return <textarea {...common} rows={3} class="mono">{value}</textarea>;
  return <input {...common} type={f.hidden ? 'password' : 'text'} inputMode={f.type === 'number' ? 'decimal' : undefined} value={value} autoComplete="off" class="mono" />;
}

function Field({ f, v }: { f: LaunchField; v: LaunchView }) {
  const problems = v.problems[f.name] ?? [];
  const value = v.values[f.name] ?? f.initial;
  const help = `p-${f.name}-help`;
  const err = `p-${f.name}-problems`;
  return (
    <div class="field">
      <label for={`p-${f.name}`}>{f.label}{f.required ? <span aria-hidden="true"> *</span> : null}</label>
      <Input f={f} value={value} described={`${help} ${err}`} />
      <div id={help} class="small">{f.description === '' ? null : <>{f.description} · </>}{describe(f).join(' · ')}</div>
      <ul id={err} class="problems" aria-live="polite">{problems.map((p) => <li>{p}</li>)}</ul>
    </div>
  );
}

/** The launch page: the form, its problems, or the environment file and the command. */
export function renderLaunchPage(ctx: PageContext, v: LaunchView): string {
  const fields = v.form.groups.flatMap((g) => g.fields);
  return renderPage(ctx, {
    title: `Launch ${v.id} ${v.version ?? v.ref}`,
    scripts: ['launch'],
    children: (
      <>
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/">Templates</a> / <a href={versionPath(v.id, v.ref)}>{v.id} {v.version ?? v.ref}</a> / launch</nav>
        <h1>Launch {v.id} <span class="version">{v.version ?? v.ref}</span></h1>
        {v.result === null ? null : (
          <section aria-labelledby="result" class="notice" role="status">
            <h2 id="result">Your environment file</h2>
            <pre class="mono" id="environment">{v.result.environment}</pre>
            <form method="post" class="inline">
              <input type="hidden" name="csrf" value={v.formToken} />
              <input type="hidden" name="stack_name" value={v.stackName} />
              {fields.map((f) => <input type="hidden" name={`p.${f.name}`} value={v.values[f.name] ?? ''} />)}
              <button type="submit" name="download" value="1">Download {ENV_FILE}</button>
            </form>
            <CopyLine id="launch-command" label={`Then create the stack (with ${ENV_FILE} in this folder)`} text={v.result.command} />
          </section>
        )}
        <form method="post" class="launch" data-launch-form noValidate>
          <input type="hidden" name="csrf" value={v.formToken} />
          <div class="field">
            <label for="stack_name">Stack name <span aria-hidden="true">*</span></label>
            <input id="stack_name" name="stack_name" value={v.stackName} required autoComplete="off" aria-describedby="stack_name-problems" />
            <ul id="stack_name-problems" class="problems" aria-live="polite">{(v.problems[''] ?? []).map((p) => <li>{p}</li>)}</ul>
          </div>
          {v.form.groups.length === 0 ? <p>This version's entrypoint is not a Heat template, so it has no parameters to fill in.</p> : null}
          {v.form.groups.map((g, i) => (
            <fieldset>
              <legend>{g.label ?? (v.form.groups.length > 1 ? 'Other parameters' : 'Parameters')}</legend>
              {g.description === null ? null : <p class="small">{g.description}</p>}
              {g.fields.length === 0 ? <p class="muted">No parameters.</p> : g.fields.map((f) => <Field f={f} v={v} key={`${i}-${f.name}`} />)}
            </fieldset>
          ))}
          <button type="submit">Make the environment file</button>
        </form>
      </>
    ),
  });
}
