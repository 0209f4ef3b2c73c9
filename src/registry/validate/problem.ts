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
  return `${at}: ${p.message} [${p.rule}]`;
}
