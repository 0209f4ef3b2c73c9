// Diffs between two versions: git's own unified diff, parsed into files and hunks, and structural
// diffs of the YAML files; all cached by the pair of tree ids (trees never change), the default ones also on disk.
import { createHash } from 'node:crypto';
import { loadHeatYaml } from '../heat/yaml';
import { runGit } from '../git/exec';
import { Lru } from '../git/lru';
import type { ObjectReader } from '../git/objects';
import { TooLargeError } from '../errors/limit-error';
import { parsePatch, type FileDiff } from './patch';
import { structuralDiff, type StructuralDiff } from './structural';
import { compatibility, type Compat } from './compat';
import type { DiffStore, StoreLookup } from './diff-store';

/** A side of a diff: the commit (for git) and its root tree (for the cache key). */
export interface Side {
  readonly commit: string;
  readonly tree: string;
}

export interface DiffOptions {
  /** Lines of context around each change (git's -U). */
  readonly context: number;
  /** Limit the diff to these paths (files or folders); empty means all. */
  readonly paths: readonly string[];
  /** Binary changes as `git diff --binary` patches (applicable), not "Binary files differ". */
  readonly binary?: boolean;
}

export interface YamlDiff {
  readonly path: string;
  readonly oldPath?: string;
  readonly changes: StructuralDiff['changes'];
  readonly truncated: boolean;
  /** Set when either side does not parse as YAML; then there are no changes. */
  readonly unparsable?: 'before' | 'after' | 'both';
}

/** Patches bigger than this are refused (ask for fewer paths). */
export const MAX_PATCH_BYTES = 32 * 1024 * 1024;
const YAML = /\.ya?ml$/i;
/** YAML files larger than this are not parsed for a structural diff (the unified diff still shows them). */
const MAX_YAML_BYTES = 1024 * 1024;

/** The options a diff is precomputed with when a version is published: git's defaults. */
export const DEFAULT_OPTIONS: DiffOptions = Object.freeze({ context: 3, paths: Object.freeze([]) as readonly string[] });

function isDefault(opts: DiffOptions): boolean {
  return opts.context === DEFAULT_OPTIONS.context && opts.paths.length === 0 && opts.binary !== true;
}

/**
 * The bytes `git diff --no-color -M -U<context> FROM TO [-- paths]` prints (`--binary` when asked).
 * Throws TooLargeError past MAX_PATCH_BYTES, and an Error when git fails.
 */
export async function gitDiff(gitDir: string, from: Side, to: Side, opts: DiffOptions, lowPriority = false): Promise<Buffer> {
  // --literal-pathspecs: a user's path is a path, never pathspec magic; -c: no pager, colour or external tools
  const args = ['--literal-pathspecs', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', '-M', `-U${opts.context}`, ...(opts.binary ? ['--binary'] : []), from.commit, to.commit];
  if (opts.paths.length > 0) args.push('--', ...opts.paths);
  const r = await runGit(args, { gitDir, maxOutput: MAX_PATCH_BYTES, lowPriority }).catch((e: Error) => {
    if (/output passed/.test(e.message)) throw new TooLargeError(`The diff is larger than ${MAX_PATCH_BYTES / 1048576} MiB; narrow it with paths=.`);
    throw e;
  });
  if (r.code !== 0) throw new Error(`git diff failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Computes and remembers diffs. */
export class Differ {
  private readonly patches = new Lru<{ raw: Buffer; files: FileDiff[] }>(64 * 1024 * 1024);
  private readonly yaml = new Lru<YamlDiff[]>(16 * 1024 * 1024);
  private readonly summaries = new Lru<Compat>(8 * 1024 * 1024);

  /** Store reads under way, by tree pair. */
  private readonly reading = new Map<string, Promise<StoreLookup>>();

  /** `precomputed`: the store of precomputed diffs, and whom to tell when an entry of it was damaged (to compute it again). */
  constructor(private readonly objects: ObjectReader, private readonly precomputed?: { readonly store: DiffStore; again(gitDir: string, from: Side, to: Side): void }) {}

  /**
   * The unified diff `git diff --no-color FROM TO` prints (rename detection on, as git's default),
   * and its files and hunks; with the default options, the precomputed entry when one is kept.
   * Throws TooLargeError past MAX_PATCH_BYTES.
   */
  async patch(gitDir: string, from: Side, to: Side, opts: DiffOptions): Promise<{ raw: Buffer; files: FileDiff[] }> {
    const key = `${from.tree}:${to.tree}:${opts.context}:${opts.binary === true}:${JSON.stringify(opts.paths)}`;
    const hit = this.patches.get(key);
    if (hit) return hit;
    if (isDefault(opts)) {
      const kept = await this.stored(from, to);
      if (kept === 'corrupt') this.precomputed?.again(gitDir, from, to);
      if (typeof kept === 'object') return this.patches.get(key) ?? this.keepPatch(key, kept.found.raw);
    }
    return this.keepPatch(key, await gitDiff(gitDir, from, to, opts));
  }

  private keepPatch(key: string, raw: Buffer): { raw: Buffer; files: FileDiff[] } {
    const out = { raw, files: parsePatch(raw.toString('utf8')) };
    this.patches.set(key, out, raw.length * 3 + 256);
    return out;
  }

  /** The Heat compatibility summary of two trees (the bump their changes need); cached by the tree pair, precomputed when kept. */
  async summary(from: Side, to: Side, texts: (tree: string) => Promise<ReadonlyMap<string, string>>): Promise<Compat> {
    const key = `${from.tree}:${to.tree}`;
    const hit = this.summaries.get(key);
    if (hit) return hit;
    // a default patch in memory that did not come with its summary was computed from git: the store has neither
    const kept = this.patches.get(`${key}:${DEFAULT_OPTIONS.context}:false:[]`) ? 'missing' : await this.stored(from, to);
    if (typeof kept === 'object') return kept.found.summary;
    const [a, b] = await Promise.all([texts(from.tree), texts(to.tree)]);
    const out = compatibility(a, b);
    this.summaries.set(key, out, JSON.stringify(out).length + 100);
    return out;
  }

  /** The precomputed entry of the pair, read once however many callers ask at the same time; a hit fills both memory caches. */
  private stored(from: Side, to: Side): Promise<StoreLookup> {
    const store = this.precomputed?.store;
    if (!store?.isEnabled) return Promise.resolve('missing');
    const key = `${from.tree}:${to.tree}`;
    let p = this.reading.get(key);
    if (!p) {
      p = store.get(from.tree, to.tree).then((r) => {
        if (typeof r === 'object') {
          this.summaries.set(key, r.found.summary, JSON.stringify(r.found.summary).length + 100);
          this.keepPatch(`${key}:${DEFAULT_OPTIONS.context}:false:[]`, r.found.raw);
        }
        return r;
      }).finally(() => { this.reading.delete(key); });
      this.reading.set(key, p);
    }
    return p;
  }

  /** Structural diffs of every YAML file present on both sides (following renames) whose content changed. */
  async yamlDiffs(gitDir: string, from: Side, to: Side, files: readonly FileDiff[]): Promise<YamlDiff[]> {
    const key = createHash('sha256').update(`${from.tree}:${to.tree}:${files.map((f) => `${f.oldPath ?? f.path}>${f.path}`).join('|')}`).digest('hex');
    const hit = this.yaml.get(key);
    if (hit) return hit;
    const [before, after] = await Promise.all([this.objects.listTree(gitDir, from.tree), this.objects.listTree(gitDir, to.tree)]);
    const out: YamlDiff[] = [];
    let cost = 0;
    for (const f of files) {
      if (f.binary || f.status === 'added' || f.status === 'deleted' || !YAML.test(f.path)) continue;
      const a = before.get(f.oldPath ?? f.path);
      const b = after.get(f.path);
      if (!a || !b || a.oid === b.oid || a.size > MAX_YAML_BYTES || b.size > MAX_YAML_BYTES) continue;
      const [ta, tb] = await Promise.all([this.objects.readBlob(gitDir, a.oid), this.objects.readBlob(gitDir, b.oid)]);
      const pa = parseOrNull(ta.toString('utf8'));
      const pb = parseOrNull(tb.toString('utf8'));
      const base = { path: f.path, ...(f.oldPath ? { oldPath: f.oldPath } : {}) };
      if (!pa.ok || !pb.ok) {
        out.push({ ...base, changes: [], truncated: false, unparsable: !pa.ok && !pb.ok ? 'both' : !pa.ok ? 'before' : 'after' });
        continue;
      }
      const d = structuralDiff(pa.value, pb.value);
      let size: number;
      try { size = JSON.stringify(d.changes).length; } catch {
        // a recursive YAML alias makes values circular: not representable as JSON, so reported as such
        out.push({ ...base, changes: [], truncated: false, unparsable: 'both' });
        continue;
      }
      out.push({ ...base, changes: d.changes, truncated: d.truncated });
      cost += size + 100;
    }
    this.yaml.set(key, out, cost);
    return out;
  }
}

/** The text's value as Heat reads it (src/heat/yaml.ts), or not ok when Heat could not read it. */
function parseOrNull(text: string): { ok: true; value: unknown } | { ok: false } {
  const r = loadHeatYaml(text);
  return r.ok ? r : { ok: false };
}
