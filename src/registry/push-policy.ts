// The rules a push must keep, checked in git's pre-receive step before any ref moves.
import type { RefSnapshot } from '../git/refs';
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

const ZERO = /^0+$/;
const short = (oid: string) => oid.slice(0, 12);

/**
 * Checks a push: versions are immutable (never moved or deleted), a version tag must point at a
 * commit, `v1.2.0` and `1.2.0` may not name different commits, and only branches and tags are
 * accepted. `peel` maps each new tag object to the commit it points at ('' if none), reading the
 * quarantined objects. Any refusal refuses the whole push (pre-receive semantics).
 */
export async function checkPush(template: string, updates: readonly RefUpdate[], refs: RefSnapshot,
  peel: (oids: readonly string[]) => Promise<ReadonlyMap<string, string>>): Promise<PushVerdict> {
  const problems: string[] = [];
  const created: { tag: string; version: string; oid: string }[] = [];
  for (const u of updates) {
    if (u.ref.startsWith('refs/heads/')) continue;
    if (!u.ref.startsWith('refs/tags/')) {
      problems.push(`${u.ref}: Heater accepts branches (refs/heads/) and tags (refs/tags/) only.`);
      continue;
    }
    const tag = u.ref.slice('refs/tags/'.length);
    const version = versionOfTag(tag);
    if (version === null) continue; // a label: writers may create, move and delete it
    if (!ZERO.test(u.old)) {
      const at = refs.tags.get(tag)?.commit || u.old;
      problems.push(ZERO.test(u.new)
        ? `${tag}: version ${version} of ${template} is published and cannot be deleted; versions are immutable.`
        : `${tag}: version ${version} of ${template} is published at ${short(at)} and cannot be moved; versions are immutable. Publish a new version instead.`);
      continue;
    }
    created.push({ tag, version, oid: u.new });
  }
  if (created.length > 0) {
    const commits = await peel(created.map((c) => c.oid));
    const claimed = new Map<string, { tag: string; commit: string }>();
    for (const t of refs.tags.values()) {
      const v = versionOfTag(t.name);
      if (v !== null) claimed.set(v, { tag: t.name, commit: t.commit });
    }
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
