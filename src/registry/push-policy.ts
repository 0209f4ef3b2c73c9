// The rules a push must keep, checked in git's pre-receive step before any ref moves.
import { SemVer } from 'semver';
import { labelProblem, unreadableVersion, versionOfTag } from './versions';
import { formatProblem, isError, type ValidationProblem } from './validate/problem';

export interface RefUpdate {
  readonly old: string;
  readonly new: string;
  readonly ref: string;
}

export interface PushVerdict {
  readonly ok: boolean;
  /** Sentences for the pusher, printed as `remote:` lines: refusals, then warnings. */
  readonly messages: readonly string[];
}

/** At most this many problems of one commit are listed on remote: lines (the count says the rest). */
const MAX_LISTED = 50;

/** What the rules need to know about the repo; read fresh, under the repo lock. */
export interface PushFacts {
  /** The largest file a version may hold, in bytes. */
  readonly maxFileBytes: number;
  /** The files larger than maxFileBytes that the push brings (reachable from `tips`, new to the repo). */
  filesOver(tips: readonly string[]): Promise<readonly { path: string; size: number }[]>;
  /** The commit each oid peels to ('' when none), new objects included. */
  peel(oids: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The existing tags that name each of `versions` (`1.2.0` → `v1.2.0`, `1.2.0`, `1.2.0+build`…), with their commits. */
  tagsNaming(versions: readonly string[]): Promise<readonly { tag: string; version: string; commit: string }[]>;
  /** Every validation problem of a commit's tree ([] when it validates). */
  validate(commit: string): Promise<readonly ValidationProblem[]>;
  /**
   * What the namespace's semver policy says of `version` at `commit`, judged against the version
   * below it among those published and those in `earlier` (created by this push): lines that refuse it, lines that warn.
   */
  semver(version: string, commit: string, earlier: readonly { version: string; commit: string }[]): Promise<{ refuse: readonly string[]; warn: readonly string[] }>;
}

const ZERO = /^0+$/;
const short = (oid: string) => oid.slice(0, 12);

/**
 * Checks a push: versions are immutable (never moved or deleted), a version tag must point at a
 * commit that validates, `v1.2.0` and `1.2.0` may not name different commits, and only branches and
 * tags are accepted. Any refusal refuses the whole push (pre-receive semantics). A branch whose new
 * head would not validate is pushed, with a warning, so work in progress can be shared.
 */
export async function checkPush(template: string, updates: readonly RefUpdate[], facts: PushFacts): Promise<PushVerdict> {
  const problems: string[] = [];
  const created: { tag: string; version: string; oid: string }[] = [];
  const moved: { tag: string; version: string; old: string; deleted: boolean }[] = [];
  const branchHeads: { ref: string; commit: string }[] = [];
  const semverWarnings: string[] = [];
  for (const u of updates) {
    if (u.ref.startsWith('refs/heads/')) {
      if (!ZERO.test(u.new)) branchHeads.push({ ref: u.ref, commit: u.new });
      continue;
    }
    if (!u.ref.startsWith('refs/tags/')) {
      problems.push(`${u.ref}: Heater accepts branches (refs/heads/) and tags (refs/tags/) only.`);
      continue;
    }
    const tag = u.ref.slice('refs/tags/'.length);
    const unreadable = unreadableVersion(tag);
    if (unreadable) { // one copied in with a repo may still be deleted
      if (!ZERO.test(u.new)) problems.push(`${tag}: ${unreadable}`);
      continue;
    }
    const version = versionOfTag(tag);
    if (version === null) { // a label: writers may create, move and delete it, if it reads as neither a version nor a range
      const unusable = ZERO.test(u.new) ? null : labelProblem(tag);
      if (unusable) problems.push(`${tag}: ${unusable}`);
      continue;
    }
    if (ZERO.test(u.old)) created.push({ tag, version, oid: u.new });
    else moved.push({ tag, version, old: u.old, deleted: ZERO.test(u.new) });
  }
  // bytes a push brings stay in the repo whatever ref carries them, so branches are held to the limit too
  const tips = updates.filter((u) => !ZERO.test(u.new) && (u.ref.startsWith('refs/heads/') || u.ref.startsWith('refs/tags/'))).map((u) => u.new);
  for (const f of await facts.filesOver([...new Set(tips)])) {
    problems.push(`${f.path}: the file is ${f.size} bytes (${mib(f.size)}); a file may be at most ${mib(facts.maxFileBytes)} on this server (HEATER_MAX_FILE_MB).`);
  }
  if (moved.length > 0) {
    const was = await facts.peel(moved.map((m) => m.old));
    for (const m of moved) {
      problems.push(m.deleted
        ? `${m.tag}: version ${m.version} of ${template} is published and cannot be deleted; versions are immutable.`
        : `${m.tag}: version ${m.version} of ${template} is published at ${short(was.get(m.old) || m.old)} and cannot be moved; versions are immutable. Publish a new version instead.`);
    }
  }
  // one validation per commit, however many refs point at it, and its problems listed once: under the
  // first ref that names it (versions come first), the other refs refer to that one
  const verdicts = new Map<string, Promise<readonly ValidationProblem[]>>();
  const listedUnder = new Map<string, string>();
  const validate = (commit: string) => {
    let v = verdicts.get(commit);
    if (!v) { v = facts.validate(commit); verdicts.set(commit, v); }
    return v;
  };
  for (const b of branchHeads) void validate(b.commit).catch(() => { /* awaited below */ });
  if (created.length > 0) {
    const [commits, existing] = await Promise.all([facts.peel(created.map((c) => c.oid)), facts.tagsNaming([...new Set(created.map((c) => c.version))])]);
    const claimed = new Map<string, { tag: string; commit: string }>();
    for (const e of existing) claimed.set(e.version, { tag: e.tag, commit: e.commit });
    const accepted: { version: string; commit: string }[] = [];
    // lowest first, so each new version is judged against the one below it, even one from this very push
    for (const c of [...created].sort((x, y) => new SemVer(x.version).compare(y.version))) {
      const commit = commits.get(c.oid) ?? '';
      if (!commit) { problems.push(`${c.tag}: a version tag must point at a commit.`); continue; }
      const other = claimed.get(c.version);
      if (other && other.tag === c.tag) {
        problems.push(`${c.tag}: version ${c.version} of ${template} already exists at ${short(other.commit)}; versions are immutable.`);
      } else if (other && other.commit !== commit) {
        problems.push(`${c.tag}: version ${c.version} of ${template} already exists as ${other.tag} at ${short(other.commit)}; ${c.tag} and ${other.tag} name the same version and must point at the same commit.`);
      } else {
        claimed.set(c.version, { tag: c.tag, commit });
        const found = await validate(commit);
        const invalid = found.filter(isError);
        if (invalid.length > 0) {
          const first = listedUnder.get(commit);
          if (first) problems.push(`${c.tag}: version ${c.version} does not validate either (the ${tally(found)} listed for ${first} above), so it is not published.`);
          else { problems.push(`${c.tag}: version ${c.version} does not validate (${tally(found)}), so it is not published:`, ...listed(found)); listedUnder.set(commit, c.tag); }
          continue;
        }
        const noticed = found.filter((p) => !isError(p));
        if (noticed.length > 0) {
          const first = listedUnder.get(commit);
          if (first) semverWarnings.push(`warning: ${c.tag}: version ${c.version} is published with the ${tally(noticed)} listed for ${first} above.`);
          else { semverWarnings.push(`warning: ${c.tag}: version ${c.version} is published with ${tally(noticed)}:`, ...listed(noticed)); listedUnder.set(commit, c.tag); }
        }
        const semver = await facts.semver(c.version, commit, accepted);
        if (semver.refuse.length > 0) problems.push(`${c.tag}: ${semver.refuse[0] ?? ''}`, ...semver.refuse.slice(1));
        accepted.push({ version: c.version, commit });
        semverWarnings.push(...semver.warn.map((l, i) => (i === 0 ? `warning: ${c.tag}: ${l}` : l)));
      }
    }
  }
  const warnings: string[] = [...semverWarnings];
  for (const b of branchHeads) {
    const found = await validate(b.commit);
    const invalid = found.filter(isError);
    if (invalid.length === 0) continue;
    const first = listedUnder.get(b.commit);
    if (first) warnings.push(`warning: ${b.ref} at ${short(b.commit)} would not validate as a version either (the ${tally(found)} listed for ${first} above).`);
    else { warnings.push(`warning: ${b.ref} at ${short(b.commit)} would not validate as a version (${tally(found)}):`, ...listed(found)); listedUnder.set(b.commit, b.ref); }
  }
  return { ok: problems.length === 0, messages: [...problems, ...warnings] };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "2 problems, 1 warning": errors first, warnings when there are any. */
function tally(ps: readonly ValidationProblem[]): string {
  const errors = ps.filter(isError).length;
  const warnings = ps.length - errors;
  return [errors > 0 ? plural(errors, 'problem') : '', warnings > 0 ? plural(warnings, 'warning') : ''].filter(Boolean).join(', ');
}

const mib = (bytes: number) => `${Number.isInteger(bytes / 1048576) ? bytes / 1048576 : (bytes / 1048576).toFixed(1)} MiB`;

function listed(ps: readonly ValidationProblem[]): string[] {
  const lines = ps.slice(0, MAX_LISTED).map((p) => `  ${formatProblem(p)}`);
  if (ps.length > MAX_LISTED) lines.push(`  … and ${ps.length - MAX_LISTED} more`);
  return lines;
}
