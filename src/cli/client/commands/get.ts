// `heater get ns/name[@ref] [-o DIR]`: the whole tree at the version a ref resolves to, every file checked against its blob id.
import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { checkBlob } from '../blob-id';
import { templatePath, templateWithRef, type Context, type CommonOptions } from '../context';
import { formatBytes, type Output } from '../output';
import { checkTreePath, TreeWriter } from '../tree-writer';

/** A file as GET …/versions/:ref lists it. */
interface ListedFile { readonly path: string; readonly size: number; readonly mode: string; readonly blob: string }
interface Resolution {
  readonly template: string; readonly requested: string; readonly resolvedBy: string;
  readonly version: string | null; readonly commit: string; readonly files: readonly ListedFile[];
}

// a few requests at once: enough to hide the round trips, few enough to leave the server's readers to others
const PARALLEL = 8;
// links and submodules are listed, but the server serves no content for them
const NOT_SERVED: Readonly<Record<string, string>> = { 120000: 'symbolic link', 160000: 'submodule' };

/** Downloads and checks every file into `tree`, PARALLEL at a time; progress on a terminal. */
async function download(api: ApiClient, out: Output, r: Resolution, files: readonly ListedFile[], tree: TreeWriter): Promise<void> {
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  let bytes = 0;
  let next = 0;
  const label = `${r.template}@${r.version ?? r.commit.slice(0, 12)}`;
  const worker = async () => {
    for (let f = files[next++]; f !== undefined; f = files[next++]) {
      try {
        const encoded = f.path.split('/').map(encodeURIComponent).join('/');
        // by commit id: the one name of this tree that cannot move while we read it
        const body = await api.bytes(templatePath(r.template, `/versions/${r.commit}/files/${encoded}`));
        checkBlob(f.path, body, f.blob);
        await tree.add(f.path, body, f.mode === '100755');
        done += 1;
        bytes += body.length;
        out.progress(`get ${label}: ${done}/${files.length} files, ${formatBytes(bytes)} of ${formatBytes(total)}`);
      } catch (e) {
        next = files.length; // the other workers stop after their current file
        throw e;
      }
    }
  };
  // every worker settled before the caller removes the stage they write into
  const settled = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  out.clearProgress();
}

/** Registers get. */
export function registerGet(program: Command, ctx: Context): void {
  ctx.common(program.command('get')
    .description('download the whole tree of a version, every file checked against its git blob id')
    .argument('<template>', 'ns/name, or ns/name@REF: a version, a range (^1.2), a label, latest (the default) or a commit id', templateWithRef)
    .option('-o, --output <dir>', 'the folder to write (default: ./NAME)')
    .option('--force', 'write into a folder that is not empty (files of the tree replace those at the same paths)'))
    .action(async (t: { id: string; ref: string | null }, opts: CommonOptions & { output?: string; force?: boolean }) => {
      const { out, api } = await ctx.connect(opts);
      const r = await api.json<Resolution>('GET', templatePath(t.id, `/versions/${encodeURIComponent(t.ref ?? 'latest')}`));
      for (const f of r.files) checkTreePath(f.path);
      const files = r.files.filter((f) => !(f.mode in NOT_SERVED));
      const skipped = r.files.filter((f) => f.mode in NOT_SERVED).map((f) => ({ path: f.path, mode: f.mode, reason: `a ${NOT_SERVED[f.mode]}, which the server does not serve` }));
      const dir = opts.output ?? t.id.split('/')[1] ?? t.id;
      const tree = await TreeWriter.open(dir, opts.force === true);
      try {
        await download(api, out, r, files, tree);
        await tree.commit(files.map((f) => f.path));
      } finally {
        out.clearProgress();
        await tree.discard();
      }
      if (out.isJson) {
        out.json({ template: r.template, requested: r.requested, resolvedBy: r.resolvedBy, version: r.version, commit: r.commit, directory: tree.dir, files, skipped });
        return;
      }
      for (const s of skipped) out.note(`heater get: skipped ${s.path}: ${s.reason}`);
      const size = files.reduce((n, f) => n + f.size, 0);
      out.line(`Wrote ${r.template} ${r.version ?? ''} (commit ${r.commit.slice(0, 12)}, ${files.length} file${files.length === 1 ? '' : 's'}, ${formatBytes(size)}) to ${dir}`.replace('  ', ' '));
    });
}
