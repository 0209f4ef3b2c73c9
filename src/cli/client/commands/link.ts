// `heater link ns/name[@version] [--expires 24h]`: a read link for Heat (POST …/links); the URL on stdout, so it can be captured.
import type { Command } from 'commander';
import { templatePath, templateWithRef, type Context, type CommonOptions } from '../context';

interface Link { readonly id: string; readonly url: string; readonly version: string | null; readonly expires: string; readonly cloneUrl: string | null }

/** The help text's note on the operator forms that share the name. */
export const OPERATOR_LINK_NOTE = `
On the server, without the API, the operator forms work on the data directory as before:
  heater link rotate-secret [--repos DIR]            every read link signed so far stops working
  heater link revoke NAMESPACE/NAME ID [--repos DIR] one read link stops working`;

/** Registers the client form of link. */
export function registerLink(program: Command, ctx: Context): void {
  ctx.common(program.command('link')
    .description('make an expiring read link (for Heat\'s template_url): one version, or the whole template')
    .argument('<template>', 'ns/name (every version) or ns/name@REF (the version REF resolves to)', templateWithRef)
    .option('--expires <when>', 'how long it works: 24h, 7d, 30m or an ISO date (server default 7d, at most 90d)'))
    .addHelpText('after', OPERATOR_LINK_NOTE)
    .action(async (t: { id: string; ref: string | null }, opts: CommonOptions & { expires?: string }) => {
      const { out, api } = await ctx.connect(opts);
      const body = { ...(t.ref === null ? {} : { version: t.ref }), ...(opts.expires === undefined ? {} : { expires: opts.expires }) };
      const link = await api.json<Link>('POST', templatePath(t.id, '/links'), { body });
      if (out.isJson) { out.json(link); return; }
      out.line(link.url);
      out.note(`heater link: ${t.id}${link.version ? ` ${link.version}` : ' (every version)'}, expires ${link.expires}, id ${link.id}${link.cloneUrl ? `; git: ${link.cloneUrl}` : ''}`);
    });
}
