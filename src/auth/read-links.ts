// Read links: expiring, read-only capabilities for one template or one version, HMAC-signed with a server secret kept in the data directory.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LinkPrincipal } from './principal';
import { ForbiddenError } from '../errors/auth-error';
import { withFileLock } from '../state/file-lock';
import { writeFileAtomic } from '../state/atomic-file';

/** The longest a link may live: Heat reads a template when a stack is created or updated, not for ever. */
export const MAX_LINK_LIFETIME_MS = 90 * 86_400_000;

// Domain separation: a MAC made for a link is never one for anything else signed with the same key.
const CONTEXT = 'heater read link v1\n';
const ID = /^[0-9a-f]{24}$/;
const PART = /^[A-Za-z0-9_-]+$/;
const INVALID = 'This link is not valid: it was altered, or signed with a secret that has since been rotated; ask for a new one.';

/** What a link grants, as signed into it. */
interface Claims {
  readonly v: 1;
  readonly id: string;
  /** "namespace/name" */
  readonly t: string;
  /** The normalised version, or null for every version. */
  readonly ver: string | null;
  /** Expiry, in seconds since the epoch. */
  readonly exp: number;
}

/** A revoked link: its template and id (so a revocation names one link of one template), and when. */
interface Revoked {
  readonly template: string;
  readonly id: string;
  readonly at: string;
}

/** A file re-read when its stamp changes: the CLI rotates the secret and revokes links from another process. */
function stampOf(file: string): string {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '';
}

/**
 * Signs and checks read links. The token is `<claims>.<mac>`, both base64url: the claims (id,
 * template, version, expiry) are readable, and the HMAC-SHA256 over them, keyed with the secret in
 * `<stateDir>/link-secret`, makes them unforgeable. Rotating the secret revokes every link;
 * `<stateDir>/revoked-links.json` revokes single ones. Nothing is stored per link.
 */
export class ReadLinks {
  private readonly secretFile: string;
  private readonly revokedFile: string;
  private secret: { stamp: string; key: Buffer | null } = { stamp: '?', key: null };
  private revoked: { stamp: string; list: readonly Revoked[] | null } = { stamp: '?', list: [] };

  private constructor(stateDir: string, private readonly now: () => number) {
    this.secretFile = path.join(stateDir, 'link-secret');
    this.revokedFile = path.join(stateDir, 'revoked-links.json');
  }

  /** Opens the links of a data directory, creating its secret the first time (32 random bytes, 0600). */
  static async open(stateDir: string, now: () => number = Date.now): Promise<ReadLinks> {
    const links = new ReadLinks(stateDir, now);
    await links.ensureSecret();
    return links;
  }

  /** Signs a link; `expires` must be in the future and within MAX_LINK_LIFETIME_MS (callers check). Returns its id and token. */
  async sign(template: string, version: string | null, expires: Date): Promise<{ id: string; token: string }> {
    const key = await this.ensureSecret();
    const claims: Claims = { v: 1, id: randomBytes(12).toString('hex'), t: template, ver: version, exp: Math.floor(expires.getTime() / 1000) };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { id: claims.id, token: `${body}.${mac(key, body)}` };
  }

  /** The principal a link token grants; throws ForbiddenError (`invalid-link`) for one that is altered, expired or revoked. */
  verify(token: string): LinkPrincipal {
    const [body = '', sig = '', extra] = token.split('.');
    const key = this.key();
    if (extra !== undefined || token.length > 2048 || !PART.test(body) || !PART.test(sig) || !key) throw new ForbiddenError(INVALID, 'invalid-link');
    const expected = Buffer.from(mac(key, body), 'base64url');
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ForbiddenError(INVALID, 'invalid-link');
    const c = parseClaims(body);
    if (!c) throw new ForbiddenError(INVALID, 'invalid-link'); // signed by us, so never; but a key is no reason to trust a parser
    const expires = new Date(c.exp * 1000);
    if (expires.getTime() <= this.now()) throw new ForbiddenError(`This link expired at ${expires.toISOString()}; ask for a new one.`, 'invalid-link');
    const revoked = this.revokedList();
    // an unreadable list fails closed: a revoked link must never come back to life
    if (!revoked) throw new ForbiddenError('This link cannot be checked now: the server cannot read its list of revoked links.', 'invalid-link');
    if (revoked.some((r) => r.id === c.id && r.template === c.t)) throw new ForbiddenError('This link was revoked; ask for a new one.', 'invalid-link');
    return { kind: 'link', name: `link:${c.id}`, id: c.id, template: c.t, version: c.ver, expires };
  }

  /** Revokes the link `id` of `template`; a revocation is kept until no link it could name is still alive. */
  async revoke(template: string, id: string): Promise<void> {
    if (!ID.test(id)) throw new Error(`not a link id: ${id}`);
    // under the file's lock and re-read there: a revocation by the CLI meanwhile is kept
    await withFileLock(this.revokedFile, async () => {
      this.revoked.stamp = '?';
      const horizon = this.now() - MAX_LINK_LIFETIME_MS;
      const list = this.revokedList();
      if (!list) throw new Error(`${this.revokedFile} is not a list of revoked links; fix or remove it first`);
      const kept = list.filter((r) => Date.parse(r.at) > horizon && !(r.id === id && r.template === template));
      await writeFileAtomic(this.revokedFile, `${JSON.stringify({ revoked: [...kept, { template, id, at: new Date(this.now()).toISOString() }] }, null, 2)}\n`);
    });
  }

  /** Replaces the secret: every link signed so far stops working at once. */
  async rotate(): Promise<void> {
    await withFileLock(this.secretFile, () => writeFileAtomic(this.secretFile, `${randomBytes(32).toString('base64url')}\n`));
  }

  /** True when `id` has the form of a link id. */
  static isId(id: string): boolean {
    return ID.test(id);
  }

  /** The key, re-read when the file changed; null when there is none (deleted: no link is valid until one is made). */
  private key(): Buffer | null {
    const stamp = stampOf(this.secretFile);
    if (stamp !== this.secret.stamp) {
      let key: Buffer | null = null;
      try { key = Buffer.from(readFileSync(this.secretFile, 'utf8').trim(), 'base64url'); } catch { key = null; }
      this.secret = { stamp, key: key && key.length >= 32 ? key : null };
    }
    return this.secret.key;
  }

  /** The key, made first if there is none: written beside the file and linked in, so a concurrent start never overwrites one. */
  private async ensureSecret(): Promise<Buffer> {
    const existing = this.key();
    if (existing) return existing;
    const tmp = `${this.secretFile}.${randomBytes(6).toString('hex')}`;
    try {
      await fs.writeFile(tmp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
      await fs.link(tmp, this.secretFile).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
    } finally {
      await fs.rm(tmp, { force: true });
    }
    const key = this.key();
    if (!key) throw new Error(`${this.secretFile} does not hold a link secret; delete it to have a new one made`);
    return key;
  }

  /** The revoked links, re-read when the file changed: [] when there is no file, null when it cannot be read. */
  private revokedList(): readonly Revoked[] | null {
    const stamp = stampOf(this.revokedFile);
    if (stamp !== this.revoked.stamp) {
      let list: Revoked[] | null = null;
      try {
        const j = stamp === '' ? { revoked: [] } : JSON.parse(readFileSync(this.revokedFile, 'utf8')) as { revoked?: unknown };
        if (Array.isArray(j.revoked)) list = j.revoked.filter((r): r is Revoked => typeof r === 'object' && r !== null && typeof (r as Revoked).id === 'string' && typeof (r as Revoked).template === 'string' && typeof (r as Revoked).at === 'string');
      } catch { list = null; }
      this.revoked = { stamp, list };
    }
    return this.revoked.list;
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(CONTEXT).update(body).digest('base64url');
}

function parseClaims(body: string): Claims | null {
  try {
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Claims>;
    if (c.v !== 1 || typeof c.id !== 'string' || !ID.test(c.id) || typeof c.t !== 'string' || !/^[^/]+\/[^/]+$/.test(c.t)) return null;
    if (!(c.ver === null || typeof c.ver === 'string') || typeof c.exp !== 'number' || !Number.isInteger(c.exp)) return null;
    return c as Claims;
  } catch {
    return null;
  }
}
