// How the client commands print: JSON for --json, else lines and tables, coloured only on a terminal without NO_COLOR; progress on a terminal's stderr.
import { stripVTControlCharacters, styleText } from 'node:util';

/** A stream the commands write to (process.stdout, or a test's collector). */
export interface Sink {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

/** The process's streams and environment, handed to every command. */
export interface Io {
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** The printer of one command run. */
export class Output {
  /** Colour on stdout: a terminal, NO_COLOR unset or empty (no-color.org), TERM not dumb, and not --json. */
  readonly color: boolean;
  private readonly progressShown: boolean;
  private progressing = false;

  constructor(private readonly io: Io, readonly isJson: boolean) {
    const noColor = (io.env.NO_COLOR ?? '') !== '' || io.env.TERM === 'dumb';
    this.color = io.stdout.isTTY === true && !noColor && !isJson;
    this.progressShown = io.stderr.isTTY === true;
  }

  /** `text` in a style when colour is on. */
  style(style: Style, text: string): string {
    // this printer decides (its own stream, NO_COLOR), so styleText must not judge process.stdout again
    return this.color ? styleText(style, text, { validateStream: false }) : text;
  }

  /** The machine-readable result, on stdout. */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** One line of the human result, on stdout. */
  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A message about the work (not its result), on stderr. */
  note(text: string): void {
    this.clearProgress();
    this.io.stderr.write(`${text}\n`);
  }

  /** A table: a header row, then the rows, columns padded to their widest cell (the last one never). */
  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    // widths as seen: a coloured cell's escape codes take no room
    const seen = (c: string) => stripVTControlCharacters(c).length;
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => seen(r[i] ?? ''))));
    const render = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - seen(c))))).join('  ').trimEnd();
    this.line(this.style('bold', render(headers)));
    for (const r of rows) this.line(render(r));
  }

  /** A progress line on stderr, rewritten in place; only on a terminal, so logs and pipes never see it. */
  progress(text: string): void {
    if (!this.progressShown) return;
    this.io.stderr.write(`\r\x1b[2K${text}`);
    this.progressing = true;
  }

  /** Clears the progress line, if one is shown. */
  clearProgress(): void {
    if (!this.progressing) return;
    this.io.stderr.write('\r\x1b[2K');
    this.progressing = false;
  }
}

/** A size in bytes for people: 512 B, 1.5 KiB, 3.2 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The date part of an ISO time (2026-01-02), or a dash when there is none. */
export function formatDate(iso: unknown): string {
  return typeof iso === 'string' && iso.length >= 10 ? iso.slice(0, 10) : '-';
}
