// Tokens: named, scoped, optionally expiring; kept in <data>/.heater/tokens.json as salted scrypt hashes.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { formatScope, parseScope } from './scopes';
import type { TokenPrincipal } from './principal';
import { UNLIMITED, type HashBudget } from './hash-budget';
import { ConflictError } from '../errors/conflict-error';
import { InvalidInputError } from '../errors/invalid-input-error';
import { NotFoundError } from '../errors/not-found-error';
import { withFileLock } from '../state/file-lock';
import { writeFileAtomic } from '../state/atomic-file';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number }) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1 };
const TOKEN = /^heater_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DUMMY_SALT = randomBytes(16);

/** A token as stored: never the secret, only its salted hash. */
interface StoredToken {
  readonly id: string;
  readonly name: string;
  readonly salt: string;
  readonly hash: string;
  readonly scopes: readonly string[];
  readonly created: string;
  readonly expires: string | null;
  lastUsed: string | null;
}

/** What a listing shows of a token. */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly created: string;
  readonly expires: string | null;
  readonly lastUsed: string | null;
}

/** Parses "90d", "12h", "30m" or an ISO date into an expiry date after `now`; throws InvalidInputError. */
export function parseExpiry(raw: string, now = new Date()): Date {
  const m = /^(\d{1,5})([dhm])$/.exec(raw);
  const at = m ? new Date(now.getTime() + Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm']) : new Date(raw);
  if (Number.isNaN(at.getTime()) || at.getTime() <= now.getTime()) throw new InvalidInputError('expires', `"${raw.slice(0, 40)}" is not a future expiry: give 90d, 12h, 30m or an ISO date.`);
  return at;
}

/**
 * The tokens file, read again whenever it changed on disk (the CLI writes it too), so a token
 * revoked anywhere stops working at the next request. Every change holds `tokens.json.lock`
 * (src/state/file-lock.ts), re-reads the file under it and replaces it whole (temp file, fsync,
 * rename), so concurrent changes from the server and the CLI are all kept.
 */
export class TokenStore {
  private readonly file: string;
  /** Last use per token id, in its own file: the server writes it, the CLI never, so it can never undo a revoke. */
  private readonly usedFile: string;
  private used: Record<string, string> = {};
  private tokens: StoredToken[] = [];
  private stamp = '';
  private readonly verified = new Map<string, string>(); // sha256(token) → id, in memory only

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'tokens.json');
    this.usedFile = path.join(stateDir, 'tokens-last-used.json');
    try { this.used = JSON.parse(readFileSync(this.usedFile, 'utf8')) as Record<string, string>; } catch { this.used = {}; }
  }

  /** Creates a token; returns its secret (shown once) and its listing. Throws ConflictError for a name in use. */
  async create(name: string, scopeTexts: readonly string[], expires: Date | null): Promise<{ token: string; info: TokenInfo }> {
    if (!NAME.test(name)) throw new InvalidInputError('name', 'A token name is 1 to 64 letters, digits, ".", "_" and "-", starting with a letter or digit.');
    if (scopeTexts.length === 0) throw new InvalidInputError('scopes', 'A token needs at least one scope, such as write:acme.');
    const scopes = scopeTexts.map((s) => formatScope(parseScope(s)));
    const conflict = () => new ConflictError('token-exists', `There is already a token named ${name}; revoke it first or pick another name.`);
    await this.reload();
    if (this.tokens.some((t) => t.name === name)) throw conflict();
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16);
    const hash = await scrypt(secret, salt, 32, PARAMS); // outside the lock: 50 ms of CPU that no other writer need wait for
    const stored: StoredToken = { id, name, salt: salt.toString('base64url'), hash: hash.toString('base64url'), scopes, created: new Date().toISOString(), expires: expires?.toISOString() ?? null, lastUsed: null };
    await this.change((tokens) => {
      if (tokens.some((t) => t.name === name)) throw conflict();
      return [...tokens, stored];
    });
    return { token: `heater_${id}_${secret}`, info: info(stored) };
  }

  /** Every token, without secrets. */
  async list(): Promise<TokenInfo[]> {
    await this.reload();
    return this.tokens.map((t) => ({ ...info(t), lastUsed: this.used[t.id] ?? t.lastUsed }));
  }

  /** Revokes a token by id or name; throws NotFoundError. */
  async revoke(idOrName: string): Promise<TokenInfo> {
    let gone: StoredToken | undefined;
    await this.change((tokens) => {
      gone = tokens.find((x) => x.id === idOrName || x.name === idOrName);
      if (!gone) throw new NotFoundError('token-not-found', `There is no token ${idOrName.slice(0, 80)}.`);
      return tokens.filter((x) => x !== gone);
    });
    return info(gone as StoredToken);
  }

  /**
   * The principal for a valid token of this store; `{ refusal }` for one whose secret is right but which
   * has expired (the presenter knows the secret, so may be told); null for anything else (not ours,
   * wrong, revoked). Its scrypt runs on `budget`.
   */
  async verify(token: string, budget: HashBudget = UNLIMITED): Promise<TokenPrincipal | { readonly refusal: string } | null> {
    const m = TOKEN.exec(token);
    if (!m) return null;
    this.reloadIfChanged();
    const t = this.tokens.find((x) => x.id === m[1]);
    // an unknown id costs the same scrypt as a known one (unless the budget skips decoys)
    if (!t) { await budget.decoy(() => scrypt(m[2] ?? '', DUMMY_SALT, 32, PARAMS)); return null; }
    const digest = createHash('sha256').update(token).digest('hex');
    if (this.verified.get(digest) !== t.id) {
      const hash = await budget.real(() => scrypt(m[2] ?? '', Buffer.from(t.salt, 'base64url'), 32, PARAMS));
      if (!timingSafeEqual(hash, Buffer.from(t.hash, 'base64url'))) return null;
      this.verified.set(digest, t.id);
    }
    // an unparsable expiry counts as expired
    if (t.expires !== null && !(Date.parse(t.expires) > Date.now())) return { refusal: `The token "${t.name}" expired at ${t.expires}; ask for a new one.` };
    this.touch(t);
    return { kind: 'token', name: t.name, scopes: t.scopes.map(parseScope) };
  }

  private touch(t: StoredToken): void {
    const now = Date.now();
    const last = this.used[t.id];
    if (last && now - Date.parse(last) < 60_000) return; // written at most once a minute per token
    const at = new Date(now).toISOString();
    this.used = { ...this.used, [t.id]: at };
    // merged into what is on disk under the lock: another server process's uses are kept too
    void withFileLock(this.usedFile, async () => {
      let disk: Record<string, string> = {};
      try { disk = JSON.parse(await fs.readFile(this.usedFile, 'utf8')) as Record<string, string>; } catch { disk = {}; }
      this.used = { ...disk, ...this.used };
      await writeFileAtomic(this.usedFile, `${JSON.stringify(this.used)}\n`);
    }).catch(() => undefined); // last use is best effort
  }

  private reloadIfChanged(): void {
    const st = statSync(this.file, { throwIfNoEntry: false });
    const stamp = st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '';
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try { this.tokens = st ? (JSON.parse(readFileSync(this.file, 'utf8')) as { tokens: StoredToken[] }).tokens.filter(usable) : []; } catch { this.tokens = []; }
  }

  private async reload(): Promise<void> {
    this.stamp = '';
    this.reloadIfChanged();
  }

  /**
   * Changes the file under its lock: re-read (so a change another process made meanwhile is kept),
   * `edit` applied, replaced whole. A file that exists but is not a token list is never overwritten.
   */
  private async change(edit: (tokens: readonly StoredToken[]) => StoredToken[]): Promise<void> {
    await withFileLock(this.file, async () => {
      let current: StoredToken[] = [];
      try {
        current = (JSON.parse(await fs.readFile(this.file, 'utf8')) as { tokens: StoredToken[] }).tokens;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${this.file} is not a token list (${(e as Error).message}); fix or remove it first`);
      }
      if (!Array.isArray(current)) throw new Error(`${this.file} is not a token list; fix or remove it first`);
      await writeFileAtomic(this.file, `${JSON.stringify({ tokens: edit(current) }, null, 2)}\n`);
    });
    await this.reload();
  }
}

/** A stored token whose scopes all parse (a hand-edited file with a bad one leaves that token out, not the server down). */
function usable(t: StoredToken): boolean {
  try { t.scopes.forEach(parseScope); return typeof t.id === 'string' && typeof t.salt === 'string' && typeof t.hash === 'string'; } catch { return false; }
}

function info(t: StoredToken): TokenInfo {
  return { id: t.id, name: t.name, scopes: t.scopes, created: t.created, expires: t.expires, lastUsed: t.lastUsed };
}
