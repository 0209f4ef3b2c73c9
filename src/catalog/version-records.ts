// What the index derives from each version: its changelog entry (the Heat changes against the version before it) and the templates it uses.
import type { TemplateReading } from '../registry/registry';
import { versionInfo } from '../registry/registry';
import type { Version } from '../registry/versions';
import { compatibility, hotParser, type Compat } from '../diff/compat';
import { memoHeatYaml } from '../heat/yaml';
import type { VersionRecord } from './catalog-store';
import { templateUses } from './template-uses';

const NO_CHANGES: Compat = { required: 'none', breaking: false, changes: [] };

/**
 * The version records of `t` as git has it now, highest version first. A version whose tree and
 * whose previous version's tree are those of its record in `stored` keeps that record's
 * comparison (a published version is compared once), one with the same tree its uses; the rest
 * is read now through `reading`'s reader, each tree once.
 */
export async function versionRecordsOf(reading: Pick<TemplateReading, 'index' | 'yamlTexts' | 'load'>, stored: readonly VersionRecord[]): Promise<VersionRecord[]> {
  const { index } = reading;
  const known = new Map(stored.map((r) => [r.entry.version, r]));
  const texts = new Map<string, Promise<Map<string, string>>>();
  const textsOf = (tree: string) => {
    let p = texts.get(tree);
    if (!p) { p = tree === '' ? Promise.resolve(new Map<string, string>()) : reading.yamlTexts(tree); texts.set(tree, p); }
    return p;
  };
  // a tree is compared with the version before it and the one after, and searched for uses: each text is parsed once
  const load = reading.load ?? memoHeatYaml();
  const hot = hotParser(load);
  // each tree's texts are dropped after the last version that reads them (its own or the one above
  // it): a template with 300 versions of thousands of files never holds all their texts at once
  const pairs = index.versions.map((v, i) => ({ v, prev: previousBelow(index.versions, i) }));
  const lastUse = new Map<string, number>();
  pairs.forEach(({ v, prev }, i) => { lastUse.set(v.ref.tree, i); lastUse.set(prev?.ref.tree ?? '', i); });
  const out: VersionRecord[] = [];
  for (const [i, { v, prev }] of pairs.entries()) {
    const tree = v.ref.tree;
    const previousTree = prev?.ref.tree ?? '';
    const old = known.get(v.version);
    let compat: Compat;
    if (old && old.tree === tree && old.previousTree === previousTree && old.entry.previous === (prev?.version ?? null)) compat = old.entry.compat;
    else compat = prev ? breakingFirst(compatibility(await textsOf(previousTree), await textsOf(tree), hot)) : NO_CHANGES;
    const uses = old && old.tree === tree ? old.uses : templateUses(await textsOf(tree), load);
    const info = versionInfo(v);
    out.push({
      entry: {
        version: info.version, tag: info.tag, commit: info.commit, date: info.created, author: info.author, message: info.message,
        deprecated: info.deprecated, yanked: info.yanked, previous: prev?.version ?? null, compat,
      },
      uses,
      tree,
      previousTree,
    });
    for (const t of [tree, previousTree]) if (lastUse.get(t) === i) texts.delete(t);
  }
  return out;
}

/**
 * previousVersion of versions[i] among `versions` (highest first): the versions before i are not
 * lower, so the search starts after it (searching from the top made a template's records O(n²):
 * 50,000 comparisons on 320 versions, after every push).
 */
function previousBelow(versions: readonly Version[], i: number): Version | undefined {
  const v = versions[i]?.semver;
  if (!v) return undefined;
  for (let j = i + 1; j < versions.length; j++) {
    const x = versions[j] as Version;
    if (x.semver.compare(v) < 0 && (v.prerelease.length > 0 || x.semver.prerelease.length === 0)) return x;
  }
  return undefined;
}

/** The same changes, breaking ones first (each group in its own order: file, then section). */
function breakingFirst(c: Compat): Compat {
  return { ...c, changes: [...c.changes.filter((x) => x.breaking), ...c.changes.filter((x) => !x.breaking)] };
}
