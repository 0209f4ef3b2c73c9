// Where a use of a template lands today: the version its ref resolves to, and whether it admits the latest one.
import semver from 'semver';
import { parseTemplateId } from '../git/store';
import type { Registry } from '../registry/registry';
import { resolveKnown } from '../registry/resolve';
import { latestVersion, type VersionIndex } from '../registry/versions';
import type { TemplateUse } from './template-uses';

/** A use as it resolves now. */
export interface ResolvedUse {
  /** The version the ref resolves to now, or null (no such template or version, or a commit without one). */
  readonly resolvesTo: string | null;
  /** Whether the ref admits the used template's latest version: a range it satisfies, or a ref that resolves to it. */
  readonly admitsLatest: boolean;
}

/** Resolves uses against the used templates' refs as they are now, as a Heat client fetching the URL would. */
export class UseResolver {
  private readonly indexes = new Map<string, Promise<VersionIndex | null>>();

  constructor(private readonly registry: Registry) {}

  /** The used template's latest version, or null (none, or no such template). Never throws for a missing template. */
  async latest(template: string): Promise<string | null> {
    const index = await this.index(template);
    return index ? latestVersion(index)?.version ?? null : null;
  }

  /** Where `use` lands now; never throws. */
  async resolve(use: TemplateUse): Promise<ResolvedUse> {
    const index = await this.index(use.template);
    if (!index) return { resolvesTo: null, admitsLatest: false };
    const latest = latestVersion(index)?.version ?? null;
    const resolvesTo = resolveIn(use.template, index, use.ref);
    const admitsLatest = latest !== null && (use.kind === 'range' ? semver.satisfies(latest, use.ref) : resolvesTo === latest);
    return { resolvesTo, admitsLatest };
  }

  private index(template: string): Promise<VersionIndex | null> {
    let p = this.indexes.get(template);
    if (!p) {
      const [ns = '', name = ''] = template.split('/');
      p = Promise.resolve().then(() => this.registry.snapshot(parseTemplateId(ns, name))).then((s) => s.index, () => null);
      this.indexes.set(template, p);
    }
    return p;
  }
}

function resolveIn(template: string, index: VersionIndex, ref: string): string | null {
  try {
    const r = resolveKnown(template, index, ref);
    if (r) return r.version?.version ?? null;
  } catch {
    return null; // no version satisfies it, or a ref the resolver refuses: it lands nowhere
  }
  // a commit id (resolveKnown leaves those to the repository): the highest version at a commit it abbreviates
  for (const [commit, versions] of index.byCommit) if (commit.startsWith(ref.toLowerCase())) return versions[0]?.version ?? null;
  return null;
}
