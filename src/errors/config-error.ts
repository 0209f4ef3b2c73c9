// ConfigError: start-up configuration that does not parse; lists every bad key at once.

/** Thrown by loadConfig; `problems` holds one sentence per bad key. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
