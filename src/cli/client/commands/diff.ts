// `heater diff ns/name FROM TO [--structural]`: the patch between two refs (coloured on a terminal), or YAML compared as data.
import type { Command } from 'commander';
import { templateId, templatePath, type Context, type CommonOptions } from '../context';
import type { Output } from '../output';

interface StructuralChange { readonly path: string; readonly kind: string; readonly old?: unknown; readonly new?: unknown; readonly from?: unknown; readonly to?: unknown }
interface StructuralDiff { readonly structural?: readonly { path: string; changes: readonly StructuralChange[]; truncated: boolean }[] }

/** A patch line in the colour git gives it. */
function colourLine(out: Output, line: string): string {
  if (/^(diff --git|index |--- |\+\+\+ )/.test(line)) return out.style('bold', line);
  if (line.startsWith('@@')) return out.style('cyan', line);
  if (line.startsWith('+')) return out.style('green', line);
  if (line.startsWith('-')) return out.style('red', line);
  return line;
}

/** One structural change as a line: `parameters.count: changed 2 -> 3`. */
function structuralLine(c: StructuralChange): string {
  const v = (x: unknown) => JSON.stringify(x);
  if (c.kind === 'changed') return `${c.path}: changed ${v(c.old)} -> ${v(c.new)}`;
  if (c.kind === 'added') return `${c.path}: added ${v(c.new)}`;
  if (c.kind === 'removed') return `${c.path}: removed ${v(c.old)}`;
  if (c.kind === 'moved') return `${c.path}: moved from ${v(c.from)} to ${v(c.to)}`;
  return `${c.path}: ${c.kind}`;
}

/** Registers diff. */
export function registerDiff(program: Command, ctx: Context): void {
  ctx.common(program.command('diff')
    .description('what changed between two versions: the patch git diff prints, or YAML compared as data')
    .argument('<template>', 'ns/name', templateId)
    .argument('<from>', 'a ref: version, range, label, latest or commit id')
    .argument('<to>', 'a ref')
    .option('--structural', 'compare YAML files as data: formatting and key order are not changes'))
    .action(async (id: string, from: string, to: string, opts: CommonOptions & { structural?: boolean }) => {
      const { out, api } = await ctx.connect(opts);
      const query = { from, to, ...(opts.structural ? { structural: 'true' } : {}) };
      if (out.isJson || opts.structural) {
        const diff = await api.json<StructuralDiff>('GET', templatePath(id, '/diff'), { query: { ...query, format: 'json' } });
        if (out.isJson) { out.json(diff); return; }
        for (const file of diff.structural ?? []) {
          out.line(out.style('bold', file.path));
          for (const c of file.changes) out.line(`  ${structuralLine(c)}`);
          if (file.truncated) out.line('  …(more changes not shown)');
        }
        return;
      }
      const patch = await api.text(templatePath(id, '/diff'), { ...query, format: 'patch' }, 'text/x-diff');
      if (!out.color) { if (patch) ctx.io.stdout.write(patch); return; }
      out.line(patch.replace(/\n$/, '').split('\n').map((l) => colourLine(out, l)).join('\n'));
    });
}
