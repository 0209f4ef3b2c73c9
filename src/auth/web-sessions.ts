// Web sessions: a signed-in browser's token kept on the server, found by a random cookie value; in memory, expiring, bounded.
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** One signed-in browser. */
export interface WebSession {
  readonly id: string;
  /** The token it signed in with: every page request is authenticated with it again, so a revoked token ends the session. */
  readonly token: string;
  /** The value every POST form of this session must carry. */
  readonly csrf: string;
  readonly expires: number;
}

/** Where sessions are kept: one process's memory today, a shared store for several nodes later. */
export interface WebSessionStore {
  /** A new session for `token`; the oldest one is dropped when the store is full. */
  create(token: string): WebSession;
  /** The live session of a cookie value, or undefined (unknown or expired). */
  get(id: string): WebSession | undefined;
  destroy(id: string): void;
}

/** A random value for a cookie or a form field: 32 bytes, base64url. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented form value with the expected one in constant time. */
export function sameSecret(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  // bytes, not characters: a value with multi-byte characters may have the length and not the size
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Sessions in a Map, in creation order: expired ones are dropped when met, the oldest when there are `max`. */
export class MemoryWebSessions implements WebSessionStore {
  private readonly sessions = new Map<string, WebSession>();

  constructor(private readonly ttlMs: number, private readonly max: number, private readonly now: () => number = Date.now) {}

  create(token: string): WebSession {
    this.sweep();
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const s: WebSession = { id: randomToken(), token, csrf: randomToken(), expires: this.now() + this.ttlMs };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string): WebSession | undefined {
    const s = this.sessions.get(id);
    if (s && s.expires <= this.now()) { this.sessions.delete(id); return undefined; }
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Drops expired sessions from the front (the oldest expire first: every session lives ttlMs). */
  private sweep(): void {
    for (const [id, s] of this.sessions) {
      if (s.expires > this.now()) break;
      this.sessions.delete(id);
    }
  }
}
