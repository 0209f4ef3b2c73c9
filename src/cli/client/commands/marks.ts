// `heater label`, `heater deprecate`, `heater yank`: moving labels and marking versions (PUT/DELETE …/labels/:label, POST/DELETE …/deprecate and …/yank).
import type { Command } from 'commander';
import { usageError } from '../cli-error';
import { templateId, templatePath, type Context, type CommonOptions } from '../context';

interface Marked { readonly version: string; readonly deprecated: { message: string } | null; readonly yanked: { message: string } | null }

/** Registers label, deprecate and yank. */
export function registerMarks(program: Command, ctx: Context): void {
  ctx.common(program.command('label')
    .description('point a label at what a ref resolves to (creating or moving it), or remove it with --delete')
    .argument('<template>', 'ns/name', templateId)
    .argument('<name>', 'the label, like stable')
    .argument('[ref]', 'a version, range, label, latest or commit id (not with --delete)')
    .option('--delete', 'remove the label'))
    .action(async (id: string, name: string, ref: string | undefined, opts: CommonOptions & { delete?: boolean }) => {
      if (opts.delete ? ref !== undefined : ref === undefined) throw usageError(opts.delete ? 'heater label --delete takes no REF' : 'heater label needs a REF to point the label at (or --delete)');
      const { out, api } = await ctx.connect(opts);
      const at = templatePath(id, `/labels/${encodeURIComponent(name)}`);
      if (opts.delete) {
        await api.noContent('DELETE', at);
        if (out.isJson) out.json({ template: id, label: name, deleted: true });
        else out.line(`Removed label ${name} of ${id}`);
        return;
      }
      const label = await api.json<{ commit: string; version: string | null }>('PUT', at, { body: { ref } });
      if (out.isJson) { out.json(label); return; }
      out.line(`Label ${name} of ${id} -> ${label.version ?? '(no version)'} (commit ${label.commit.slice(0, 12)})`);
    });

  for (const [verb, field, done] of [['deprecate', 'message', 'Deprecated'], ['yank', 'reason', 'Yanked']] as const) {
    ctx.common(program.command(verb)
      .description(verb === 'deprecate'
        ? 'mark a version deprecated (still resolvable; its message added to every answer), or --undo'
        : 'yank a version: ranges and latest skip it, its number and commit keep working; or --undo')
      .argument('<template>', 'ns/name', templateId)
      .argument('<version>', 'an exact version')
      .option(`--${field} <text>`, verb === 'deprecate' ? 'why, and what to use instead' : 'why it must not be picked')
      .option('--undo', `clear the ${verb === 'deprecate' ? 'deprecation' : 'yank'}`))
      .action(async (id: string, version: string, opts: CommonOptions & { message?: string; reason?: string; undo?: boolean }) => {
        const text = opts[field];
        if (opts.undo ? text !== undefined : text === undefined) throw usageError(opts.undo ? `heater ${verb} --undo takes no --${field}` : `heater ${verb} needs --${field} TEXT (or --undo)`);
        const { out, api } = await ctx.connect(opts);
        const at = templatePath(id, `/versions/${encodeURIComponent(version)}/${verb}`);
        const v = opts.undo ? await api.json<Marked>('DELETE', at) : await api.json<Marked>('POST', at, { body: { [field]: text } });
        if (out.isJson) { out.json(v); return; }
        out.line(opts.undo ? `${id} ${v.version} is no longer ${verb === 'deprecate' ? 'deprecated' : 'yanked'}` : `${done} ${id} ${v.version}: ${text ?? ''}`);
      });
  }
}
