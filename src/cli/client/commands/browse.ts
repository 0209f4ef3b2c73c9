// `heater search`, `heater info ns/name`, `heater versions ns/name`: reading the catalog.
import { Option, type Command } from 'commander';
import { collect, pageSize, templateId, templatePath, type Context, type CommonOptions } from '../context';
import { formatDate } from '../output';

interface Listing {
  readonly items: readonly { id: string; latestVersion?: string | null; updated?: string; description?: string; deprecated?: boolean }[];
  readonly total: number;
  readonly nextCursor: string | null;
}

interface Mark { readonly message: string; readonly by: string; readonly at: string }
interface VersionEntry {
  readonly version: string; readonly created?: string; readonly author?: string; readonly message?: string;
  readonly deprecated: Mark | null; readonly yanked: Mark | null;
}

/** deprecated / yanked, or empty. */
export function statusOf(v: { deprecated: Mark | null; yanked: Mark | null }): string {
  return [v.yanked ? 'yanked' : '', v.deprecated ? 'deprecated' : ''].filter(Boolean).join(', ');
}

/** Registers search, info and versions. */
export function registerBrowse(program: Command, ctx: Context): void {
  ctx.common(program.command('search')
    .description('search the catalog (GET /api/v1/templates)')
    .argument('[query]', 'full text: words, "phrases", -exclusions')
    .option('--keyword <keyword>', 'a keyword of the latest version (repeatable: all must match)', collect, [])
    .option('--namespace <namespace>', 'only this namespace')
    .option('--resource-type <type>', 'a Heat resource type used, or a prefix ending in * (repeatable)', collect, [])
    .option('--parameter <name>', 'a parameter the latest version takes (repeatable)', collect, [])
    .addOption(new Option('--sort <by>', 'the order').choices(['relevance', 'name', 'updated', 'created', 'versions']))
    .addOption(new Option('--order <order>', 'ascending or descending').choices(['asc', 'desc']))
    .option('--limit <n>', 'at most this many (1 to 100; the server\'s default is 50)', pageSize))
    .action(async (query: string | undefined, opts: CommonOptions & { keyword: string[]; namespace?: string; resourceType: string[]; parameter: string[]; sort?: string; order?: string; limit?: number }) => {
      const { out, api } = await ctx.connect(opts);
      const page = await api.json<Listing>('GET', '/templates', { query: {
        q: query, keyword: opts.keyword, namespace: opts.namespace, resource_type: opts.resourceType, parameter: opts.parameter,
        sort: opts.sort, order: opts.order, limit: opts.limit,
      } });
      if (out.isJson) { out.json(page); return; }
      if (page.items.length === 0) { out.note('No templates match.'); return; }
      out.table(['TEMPLATE', 'LATEST', 'UPDATED', 'DESCRIPTION'], page.items.map((t) => [
        t.id, `${t.latestVersion ?? '-'}${t.deprecated ? ' (deprecated)' : ''}`, formatDate(t.updated), t.description ?? '',
      ]));
      if (page.total > page.items.length) out.note(`${page.items.length} of ${page.total} shown; narrow the search or raise --limit.`);
    });

  ctx.common(program.command('info')
    .description('one template: description, latest version, labels, clone URL')
    .argument('<template>', 'ns/name', templateId))
    .action(async (id: string, opts: CommonOptions) => {
      const { out, api } = await ctx.connect(opts);
      const t = await api.json<Record<string, unknown> & { labels?: readonly { name: string; version: string | null; commit: string }[] }>('GET', templatePath(id));
      if (out.isJson) { out.json(t); return; }
      out.line(out.style('bold', id));
      const rows: [string, unknown][] = [
        ['description', t.description], ['latest', t.latestVersion], ['versions', t.versionCount], ['keywords', Array.isArray(t.keywords) ? t.keywords.join(', ') : ''],
        ['license', t.license], ['updated', t.updated], ['created', t.created], ['clone', t.cloneUrl],
      ];
      for (const [k, v] of rows) if (v !== undefined && v !== null && v !== '') out.line(`  ${`${k}:`.padEnd(13)}${String(v)}`);
      for (const l of t.labels ?? []) out.line(`  ${'label:'.padEnd(13)}${l.name} -> ${l.version ?? l.commit.slice(0, 12)}`);
    });

  ctx.common(program.command('versions')
    .description('every version of a template, highest first (yanked and prereleases too)')
    .argument('<template>', 'ns/name', templateId))
    .action(async (id: string, opts: CommonOptions) => {
      const { out, api } = await ctx.connect(opts);
      const list = await api.json<{ versions: readonly VersionEntry[] }>('GET', templatePath(id, '/versions'));
      if (out.isJson) { out.json(list); return; }
      out.table(['VERSION', 'CREATED', 'AUTHOR', 'STATUS', 'MESSAGE'], list.versions.map((v) => [
        v.yanked ? out.style('red', v.version) : v.deprecated ? out.style('yellow', v.version) : v.version,
        formatDate(v.created), v.author ?? '', statusOf(v), v.message ?? '',
      ]));
    });
}
