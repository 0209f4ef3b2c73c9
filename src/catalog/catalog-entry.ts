// A template's catalog entry, built from what the registry reads of it in git.
import type { TemplateSources } from '../registry/registry';
import type { TemplateInterface } from '../registry/interface';
import type { CatalogEntry, CatalogInterface } from './catalog-store';

/** The entry of a template, from its sources (see Registry.sources); pure. */
export function catalogEntry(src: TemplateSources): CatalogEntry {
  const { detail, facts } = src;
  const manifest = facts?.manifest ?? null;
  const latest = src.versions.find((v) => v.version === detail.latestVersion);
  return {
    namespace: detail.namespace,
    name: detail.name,
    id: detail.id,
    description: detail.description,
    keywords: [...detail.keywords],
    metadata: { ...(manifest?.metadata ?? {}) },
    entrypoint: facts?.entrypoint ?? 'template.yaml',
    icon: manifest?.icon ?? null,
    authors: manifest?.authors ?? [],
    license: manifest?.license ?? null,
    homepage: manifest?.homepage ?? null,
    latestVersion: detail.latestVersion,
    deprecated: latest?.deprecated !== null && latest !== undefined,
    versionCount: detail.versionCount,
    versions: src.versions.map((v) => ({ version: v.version, created: v.created, deprecated: v.deprecated !== null, yanked: v.yanked !== null })),
    labels: detail.labels.map((l) => ({ name: l.name, commit: l.commit, version: l.version })),
    created: detail.created,
    updated: detail.updated,
    interface: facts?.interface ? catalogInterface(facts.interface) : null,
  };
}

function catalogInterface(i: TemplateInterface): CatalogInterface {
  return {
    heatTemplateVersion: i.heatTemplateVersion,
    parameters: i.parameters.map((p) => ({ name: p.name, type: p.type })),
    resourceTypes: Object.keys(i.resources.byType).sort(),
    outputs: i.outputs.map((o) => o.name),
  };
}
