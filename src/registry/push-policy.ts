// The rules a push must keep, checked in git's pre-receive step before any ref moves.
import { versionOfTag } from './versions';

export interface RefUpdate {
  readonly old: string;
  readonly new: string;
  readonly ref: string;
}

export interface PushVerdict {
  readonly ok: boolean;
  /** Sentences for the pusher, printed as `remote:` lines. */
  readonly messages: readonly string[];
}

/** What the rules need to know about the repo; read fresh, under the repo lock. */
export interface PushFacts {
  /** The commit each oid peels to ('' when none), new objects included. */
  peel(oids: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The existing tags that name each of `versions` (`1.2.0` → `v1.2.0`, `1.2.0`, `1.2.0+build`…), with their commits. */
  tagsNaming(versions: readonly string[]): Promise<readonly { tag: string; version: string; commit: string }[]>;
}

const ZERO = /^0+$/;
const short = (oid: string) => oid.slice(0, 12);

/**
 * Checks a push: versions are immutable (never moved or deleted), a version tag must point at a
 * commit, `v1.2.0` and `1.2.0` may not name different commits, and only branches and tags are
 * accepted. Any refusal refuses the whole push (pre-receive semantics). Reads the repo only for
 * pushes that create or touch versions.
 */
export async function checkPush(template: string, updates: readonly RefUpdate[], facts: PushFacts): Promise<PushVerdict> {
  const problems: string[] = [];
  const created: { tag: string; version: string; oid: string }[] = [];
  const moved: { tag: string; version: string; old: string; deleted: boolean }[] = [];
  for (const u of updates) {
    if (u.ref.startsWith('refs/heads/')) continue;
    if (!u.ref.startsWith('refs/tags/')) {
      problems.push(`${u.ref}: Heater accepts branches (refs/heads/) and tags (refs/tags/) only.`);
      continue;
    }
    const tag = u.ref.slice('refs/tags/'.length);
    const version = versionOfTag(tag);
    if (version === null) continue; // a label: writers may create, move and delete it
    if (ZERO.test(u.old)) created.push({ tag, version, oid: u.new });
    else moved.push({ tag, version, old: u.old, deleted: ZERO.test(u.new) });
  }
  if (moved.length > 0) {
    const was = await facts.peel(moved.map((m) => m.old));
    for (const m of moved) {
      problems.push(m.deleted
        ? `${m.tag}: version ${m.version} of ${template} is published and cannot be deleted; versions are immutable.`
        : `${m.tag}: version ${m.version} of ${template} is published at ${short(was.get(m.old) || m.old)} and cannot be moved; versions are immutable. Publish a new version instead.`);
    }
  }
  if (created.length > 0) {
    const [commits, existing] = await Promise.all([facts.peel(created.map((c) => c.oid)), facts.tagsNaming([...new Set(created.map((c) => c.version))])]);
    const claimed = new Map<string, { tag: string; commit: string }>();
    for (const e of existing) claimed.set(e.version, { tag: e.tag, commit: e.commit });
    for (const c of created) {
      const commit = commits.get(c.oid) ?? '';
      if (!commit) { problems.push(`${c.tag}: a version tag must point at a commit.`); continue; }
      const other = claimed.get(c.version);
      if (other && other.tag === c.tag) {
        problems.push(`${c.tag}: version ${c.version} of ${template} already exists at ${short(other.commit)}; versions are immutable.`);
      } else if (other && other.commit !== commit) {
        problems.push(`${c.tag}: version ${c.version} of ${template} already exists as ${other.tag} at ${short(other.commit)}; ${c.tag} and ${other.tag} name the same version and must point at the same commit.`);
      } else {
        claimed.set(c.version, { tag: c.tag, commit });
      }
    }
  }
  return { ok: problems.length === 0, messages: problems };
}
