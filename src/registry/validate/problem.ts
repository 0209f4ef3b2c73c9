// A validation problem: one thing wrong with one file of a template version, located for a person.

/** Where and what: `file` is the path in the version; line and column are 1-based when known. */
export interface ValidationProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** A stable rule id, e.g. `yaml-syntax`, `manifest-schema`, `hot-version`, `hot-get-param`. */
  readonly rule: string;
  /** One sentence a person can act on. */
  readonly message: string;
  /**
   * `error` (the default when absent) refuses a version: Heat itself would refuse it, or it breaks a
   * registry rule. `warning` is reported (remote: lines, the publish response) and never refuses.
   */
  readonly severity?: 'error' | 'warning';
}

/**
 * True for a rule of the registry's own rather than Heat's: the manifest, the entrypoint, size
 * limits, files a version must carry itself (a get_file URL, a path outside the version).
 */
export function isRegistryRule(rule: string): boolean {
  return rule.startsWith('manifest-') || rule.startsWith('registry-') || rule === 'entrypoint-missing' || rule === 'yaml-too-large' || rule === 'missing-object';
}

/** True for a problem that refuses a version (anything but a warning). */
export function isError(p: ValidationProblem): boolean {
  return p.severity !== 'warning';
}

/** What the validator is given: every path of the version, and the text of the files it reads. */
export interface TreeInput {
  /** Every file path of the version (for get_file and the entrypoint's existence). */
  readonly paths: ReadonlySet<string>;
  /** Text of every `*.yaml`/`*.yml` file and of `heater.yaml`, by path (binary or oversized files left out). */
  readonly texts: ReadonlyMap<string, string>;
}

/** `file:line:col: message` for remote: lines and logs. */
export function formatProblem(p: ValidationProblem): string {
  const at = p.line ? `${p.file}:${p.line}${p.column ? `:${p.column}` : ''}` : p.file;
  return `${at}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message} [${p.rule}]`;
}
