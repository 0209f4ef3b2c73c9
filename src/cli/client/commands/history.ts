// `heater changelog ns/name` and `heater dependents ns/name`: the index's paged lists, every page followed.
import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { pageSize, templateId, templatePath, type Context, type CommonOptions } from '../context';
import { formatDate, type Output } from '../output';
import { statusOf } from './browse';

interface Paged<T> { readonly items: readonly T[]; readonly total: number; readonly nextCursor: string | null }
interface Change { readonly file: string; readonly detail: string; readonly breaking: boolean; readonly bump: string }
interface ChangelogEntry {
  readonly version: string; readonly date: string; readonly author: string; readonly message: string; readonly previous: string | null;
  readonly deprecated: { message: string; by: string; at: string } | null; readonly yanked: { message: string; by: string; at: string } | null;
  readonly compat: { readonly required: string; readonly breaking: boolean; readonly changes: readonly Change[] };
}
interface Dependent {
  readonly template: string; readonly version: string; readonly isLatest: boolean; readonly ref: string; readonly kind: string;
  readonly file: string; readonly resolvesTo: string | null; readonly admitsLatest: boolean;
}

/** Every item of a paged list, following nextCursor; the first page's other members kept, `nextCursor` null. */
async function allPages<T>(api: ApiClient, apiPath: string, limit: number): Promise<Record<string, unknown> & Paged<T>> {
  const first = await api.json<Record<string, unknown> & Paged<T>>('GET', apiPath, { query: { limit } });
  const items = [...first.items];
  for (let cursor = first.nextCursor; cursor !== null;) {
    const page = await api.json<Paged<T>>('GET', apiPath, { query: { limit, cursor } });
    items.push(...page.items);
    cursor = page.nextCursor;
  }
  return { ...first, items, nextCursor: null };
}

/** A command printing every item of a template's paged list (`resource`), the whole list with --json. */
function pagedCommand<T>(program: Command, ctx: Context, resource: 'changelog' | 'dependents', description: string,
  print: (out: Output, id: string, list: Paged<T>) => void): void {
  ctx.common(program.command(resource)
    .description(description)
    .argument('<template>', 'ns/name', templateId)
    .option('--page-size <n>', 'items per request (1 to 100); every page is read whatever it is', pageSize, 100))
    .action(async (id: string, opts: CommonOptions & { pageSize: number }) => {
      const { out, api } = await ctx.connect(opts);
      const list = await allPages<T>(api, templatePath(id, `/${resource}`), opts.pageSize);
      if (out.isJson) out.json(list);
      else print(out, id, list);
    });
}

/** Registers changelog and dependents. */
export function registerHistory(program: Command, ctx: Context): void {
  pagedCommand<ChangelogEntry>(program, ctx, 'changelog', 'every version, highest first, with its Heat changes against the one before (breaking first)', (out, _id, log) => {
    for (const e of log.items) {
      const status = statusOf(e);
      const bump = e.compat.breaking ? out.style('red', e.compat.required) : e.compat.required;
      out.line(`${out.style('bold', e.version)}  ${formatDate(e.date)}  ${e.author}  ${e.previous === null ? 'first version' : `${bump} since ${e.previous}`}${status ? `  (${status})` : ''}`);
      if (e.message) out.line(`  ${e.message}`);
      for (const c of e.compat.changes) out.line(`  ${c.breaking ? out.style('red', 'breaking') : c.bump.padEnd(8)}  ${c.file}: ${c.detail}`);
    }
  });

  pagedCommand<Dependent>(program, ctx, 'dependents', 'every version of every template that uses this one, and whether its ref admits the latest version', (out, id, uses) => {
    if (uses.items.length === 0) { out.note(`Nothing uses ${id}.`); return; }
    out.table(['TEMPLATE', 'VERSION', 'REF', 'KIND', 'RESOLVES TO', 'ADMITS LATEST', 'FILE'], uses.items.map((u) => [
      u.template, `${u.version}${u.isLatest ? ' (latest)' : ''}`, u.ref, u.kind, u.resolvesTo ?? '-',
      u.admitsLatest ? 'yes' : out.style(u.isLatest ? 'red' : 'yellow', 'no'), u.file,
    ]));
  });
}
