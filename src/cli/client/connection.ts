// Which server a client command talks to and with which token: --url, then HEATER_URL, then the saved login; HEATER_TOKEN, then the saved token.
import { ApiClient } from './api-client';
import { usageError } from './cli-error';
import { ConfigFile } from './config-file';
import type { Io } from './output';

/** A server URL as the client keeps it: http or https, no trailing slash. Throws a usage CliError. */
export function normalizeUrl(raw: string): string {
  let u: URL;
  try { u = new URL(raw); } catch { throw usageError(`"${raw}" is not a URL (like http://127.0.0.1:8080)`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(`"${raw}" is not an http or https URL`);
  if (u.username || u.password) throw usageError('give the token with --token-stdin or HEATER_TOKEN, not in the URL');
  return u.toString().replace(/\/+$/, '');
}

/**
 * The client for this command. The saved token is sent only to the server it was saved for, so a
 * `--url` naming another server never sees it; HEATER_TOKEN is sent to whichever server is used.
 * Throws a usage CliError when no server is named anywhere.
 */
export async function connect(io: Io, urlFlag: string | undefined): Promise<ApiClient> {
  const saved = await ConfigFile.locate(io.env).read();
  const given = urlFlag ?? (io.env.HEATER_URL || undefined);
  if (given === undefined && !saved) throw usageError('no server: run heater login URL first, or give --url URL or HEATER_URL');
  const url = given === undefined ? normalizeUrl(saved?.url ?? '') : normalizeUrl(given);
  const token = io.env.HEATER_TOKEN || (saved && normalizeUrl(saved.url) === url ? saved.token : null);
  return new ApiClient(url, token);
}
