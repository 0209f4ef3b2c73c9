// The admin token: configured, or generated at first start and kept only as a salted scrypt hash.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { TokenPrincipal } from './principal';
import { UNLIMITED, type HashBudget } from './hash-budget';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: { N: number; r: number; p: number }) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1 };

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** Checks presented tokens against the one admin token. */
export class AdminToken {
  // scrypt costs ~50 ms; after one success the token's SHA-256 is remembered (in memory only),
  // so a push's three requests do not each pay it.
  private readonly verified = new Set<string>();

  private constructor(private readonly stored: { kind: 'plain'; digest: Buffer } | { kind: 'scrypt'; salt: Buffer; hash: Buffer }) {}

  /**
   * Opens the token: `configured` when non-empty, else the hash in `<stateDir>/admin-token`, else a
   * new token, whose hash is written there and which is passed to `announce` once.
   */
  static async open(stateDir: string, configured: string, announce: (token: string, file: string) => void): Promise<AdminToken> {
    if (configured) return new AdminToken({ kind: 'plain', digest: sha256(configured) });
    const file = path.join(stateDir, 'admin-token');
    const text = await fs.readFile(file, 'utf8').catch(() => null);
    if (text !== null) {
      const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)\s*$/.exec(text);
      if (!m || Number(m[1]) !== PARAMS.N || Number(m[2]) !== PARAMS.r || Number(m[3]) !== PARAMS.p) {
        throw new Error(`${file} is not an admin token hash this server wrote; delete it to generate a new token`);
      }
      return new AdminToken({ kind: 'scrypt', salt: Buffer.from(m[4] ?? '', 'base64url'), hash: Buffer.from(m[5] ?? '', 'base64url') });
    }
    const token = `heater_${randomBytes(24).toString('base64url')}`; // matches GENERATED
    const salt = randomBytes(16);
    const hash = await scrypt(token, salt, 32, PARAMS);
    const tmp = `${file}.${randomBytes(4).toString('hex')}`;
    await fs.writeFile(tmp, `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${hash.toString('base64url')}\n`, { mode: 0o600 });
    try { await fs.link(tmp, file); } finally { await fs.rm(tmp, { force: true }); } // link: never overwrite a hash another start wrote
    announce(token, file);
    return new AdminToken({ kind: 'scrypt', salt, hash });
  }

  /** The principal for a presented token, or null when it is not the admin token; a scrypt, if any, runs on `budget`. */
  async verify(token: string, budget: HashBudget = UNLIMITED): Promise<TokenPrincipal | null> {
    const digest = sha256(token);
    if (this.stored.kind === 'plain') return timingSafeEqual(digest, this.stored.digest) ? ADMIN : null;
    if (this.verified.has(digest.toString('hex'))) return ADMIN;
    if (!GENERATED.test(token)) return null; // not the form open() generates: no scrypt spent on it
    const stored = this.stored;
    const hash = await budget.real(() => scrypt(token, stored.salt, 32, PARAMS));
    if (!timingSafeEqual(hash, this.stored.hash)) return null;
    this.verified.add(digest.toString('hex'));
    return ADMIN;
  }
}

/** The form of a generated admin token: 24 random bytes, base64url. */
const GENERATED = /^heater_[A-Za-z0-9_-]{32}$/;

const ADMIN: TokenPrincipal = Object.freeze({ kind: 'token', name: 'admin', scopes: Object.freeze([{ action: 'admin' as const, namespace: null }]) });
