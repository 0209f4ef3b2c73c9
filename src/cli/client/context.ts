// What every client command shares: the common options (--json, --url), its printer, its server, argument readers.
import { InvalidArgumentError, type Command } from 'commander';
import type { ApiClient } from './api-client';
import { parseTemplateRef } from './api-client';
import { connect } from './connection';
import { Output, type Io } from './output';

/** The options every client command takes. */
export interface CommonOptions {
  readonly json?: boolean;
  readonly url?: string;
}

/** One run of the client: its streams, and the printer of the command being run (for the error it may end in). */
export class Context {
  /** The printer of the running command, once its action started. */
  out: Output | null = null;

  constructor(readonly io: Io) {}

  /** Adds --json and (unless the command names its server otherwise) --url to `cmd`; returns it. */
  common(cmd: Command, opts: { url: boolean } = { url: true }): Command {
    cmd.option('--json', 'print the result as JSON on stdout (the server\'s answer, or the object docs/cli.md describes)');
    return opts.url ? cmd.option('--url <url>', 'the Heater server (default: $HEATER_URL, else the one of heater login)') : cmd;
  }

  /** The printer for a command with these options. */
  output(opts: CommonOptions): Output {
    this.out = new Output(this.io, opts.json === true);
    return this.out;
  }

  /** The printer and the server for a command with these options. Throws a usage CliError when no server is known. */
  async connect(opts: CommonOptions): Promise<{ out: Output; api: ApiClient }> {
    const out = this.output(opts);
    return { out, api: await connect(this.io, opts.url) };
  }
}

/** Commander's reader of a `ns/name` argument (no @ref). */
export function templateId(raw: string): string {
  const t = parseTemplateRef(raw);
  if (!t || t.ref !== null) throw new InvalidArgumentError(`"${raw}" is not a template id like acme/web.`);
  return t.id;
}

/** Commander's reader of a `ns/name[@ref]` argument. */
export function templateWithRef(raw: string): { id: string; ref: string | null } {
  const t = parseTemplateRef(raw);
  if (!t) throw new InvalidArgumentError(`"${raw}" is not a template like acme/web or acme/web@^1.2.`);
  return t;
}

/** Commander's reader of a whole number from 1 to 100 (a page size). */
export function pageSize(raw: string): number {
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > 100) throw new InvalidArgumentError('It must be a whole number from 1 to 100.');
  return Number(raw);
}

/** Commander's collector of a repeatable option. */
export function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** The path of a template's API resource, `/templates/acme/web` plus `rest`. */
export function templatePath(id: string, rest = ''): string {
  return `/templates/${id}${rest}`;
}
