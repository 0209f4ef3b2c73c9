// Logger: leveled lines on stderr; never given tokens or Authorization headers.
import type { LogLevel } from '../config/config';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
}

/** A logger printing `<ISO time> <level> <message>` for levels up to `level`. */
export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const at = (l: LogLevel) => (msg: string) => { if (ORDER[l] <= ORDER[level]) write(`${new Date().toISOString()} ${l} ${msg}\n`); };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
