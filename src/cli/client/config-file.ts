// The client's saved login: {url, token} in the user's config directory (0600 in a 0700 folder, written atomically).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/** What `heater login` saves. */
export interface SavedLogin {
  readonly url: string;
  readonly token: string;
}

/** The config file of the client, found from the environment it is given (never process.env). */
export class ConfigFile {
  constructor(readonly file: string) {}

  /** `$XDG_CONFIG_HOME/heater/config.json`, else `$HOME/.config/heater/config.json` (HOME from env, else the OS). */
  static locate(env: NodeJS.ProcessEnv): ConfigFile {
    const xdg = env.XDG_CONFIG_HOME;
    // the XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and ignored
    const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
    return new ConfigFile(path.join(base, 'heater', 'config.json'));
  }

  /** The saved login, or null when there is none. Throws a file-system error, or CliError for a file that is not a login. */
  async read(): Promise<SavedLogin | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch { parsed = null; }
    const o = parsed as Partial<Record<keyof SavedLogin, unknown>> | null;
    if (typeof o !== 'object' || o === null || typeof o.url !== 'string' || typeof o.token !== 'string') {
      throw new CliError(`${this.file} is not a Heater login ({"url", "token"}); run heater login again or remove it`, EXIT.failed);
    }
    return { url: o.url, token: o.token };
  }

  /** Saves the login: folder 0700, file 0600, through a temporary file renamed over the old one. */
  async write(login: SavedLogin): Promise<void> {
    const dir = path.dirname(this.file);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.chmod(dir, 0o700);
    const tmp = path.join(dir, `.config.json.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      // created 0600 from the start (wx: never through an existing file), so the token is never readable by others
      await fs.writeFile(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await fs.rename(tmp, this.file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  /** Removes the saved login; returns whether there was one. */
  async remove(): Promise<boolean> {
    try {
      await fs.unlink(this.file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}
