// Heat's resource types: the property and attribute schemas of every type Heat registers, exported
// from Heat's own registry by tools/heat/export-resource-types.py (the release is in the data).
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One property's schema (heat/engine/properties.py Schema), as exported. */
export interface PropertySchema {
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'map' | 'list' | 'any';
  readonly required?: boolean;
  /** false: Heat refuses any value ("Property X not implemented yet"). */
  readonly implemented?: boolean;
  readonly default?: unknown;
  readonly allowed?: readonly unknown[];
  /** A map's fixed keys, or a list's item schema under `*`. */
  readonly schema?: Readonly<Record<string, PropertySchema>>;
}

/** A rule by which Heat moves a deprecated property onto its new name before validating (heat/engine/translation.py). */
export interface Translation {
  readonly rule: 'Replace' | 'Delete' | 'Add' | string;
  readonly path: string;
  readonly valuePath?: string;
  readonly ifSet?: string;
}

/** One resource type. */
export interface ResourceType {
  readonly status: string;
  readonly properties: Readonly<Record<string, PropertySchema>>;
  readonly attributes: readonly string[];
  /** Heat does not check get_attr names (the class resolves attributes itself). */
  readonly openAttributes: boolean;
  /** Properties are computed per resource, so unknown-property checks cannot be made. */
  readonly openProperties: boolean;
  /** Mapped by Heat's global environment to a provider template (e.g. AWS::RDS::DBInstance). */
  readonly provider?: string;
  readonly translations?: readonly Translation[];
}

/** What one `heat_template_version` allows (Heat's template class for it). */
export interface HotVersion {
  /** Function name → `ok`, `removed` (always an error), or `invalid` (in conditions: not a condition function). */
  readonly functions: Readonly<Record<string, 'ok' | 'removed' | 'invalid'>>;
  readonly functionClasses: Readonly<Record<string, string>>;
  /** The functions a condition may use; empty before conditions existed (2016-10-14). */
  readonly conditionFunctions: Readonly<Record<string, 'ok' | 'removed' | 'invalid'>>;
  readonly deletionPolicies: readonly string[];
  readonly sections: readonly string[];
  readonly resourceKeys: readonly string[];
  readonly outputKeys: readonly string[];
}

export interface ResourceTypes {
  /** The Heat release the schemas come from. */
  readonly heat: string;
  get(type: string): ResourceType | undefined;
  /** The rules of a HOT version (a date or a release name), undefined for one Heat does not know. */
  hot(version: string): HotVersion | undefined;
}

const FILE = path.join(__dirname, 'resource-types.json');
let loaded: ResourceTypes | undefined;

/** Heat's resource types, read once from the shipped data; throws when the data file is missing or malformed. */
export function resourceTypes(): ResourceTypes {
  if (loaded) return loaded;
  const data = JSON.parse(readFileSync(FILE, 'utf8')) as { heat?: unknown; types?: unknown; hot?: unknown };
  if (typeof data.heat !== 'string' || typeof data.types !== 'object' || data.types === null || typeof data.hot !== 'object' || data.hot === null) {
    throw new Error(`${FILE} is not an export of Heat's resource types; run tools/heat/export-resource-types.py`);
  }
  const types = new Map(Object.entries(data.types as Record<string, ResourceType>));
  const versions = new Map(Object.entries(data.hot as Record<string, HotVersion>));
  loaded = { heat: data.heat, get: (type) => types.get(type), hot: (version) => versions.get(version) };
  return loaded;
}
