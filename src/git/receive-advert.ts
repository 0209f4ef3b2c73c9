// receive-pack's ref advertisement (GET info/refs?service=git-receive-pack) made from a ref snapshot in memory, byte for byte what git sends.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { git } from './exec';
import { configStamp, dirStamp } from './refs-stamp';
import { plainLayoutOf } from './direct-reader';
import type { RefSnapshot } from './refs';
import { SERVICES } from './smart-http';

/**
 * What git's own advertisement of a repo said that its refs do not, for one stamp of its config:
 * the pkt-lines before the first ref ("version 1" under protocol v1), the capabilities, and the
 * hideRefs patterns receive-pack applies. `hide` null: the config holds something not modelled
 * here, so git makes every advertisement of this repo until its config changes.
 */
interface Learned {
  readonly stamp: string;
  readonly prelude: string;
  readonly caps: string;
  readonly hide: readonly string[] | null;
}

/** What one ref snapshot of a repo was found to be: advertisable from memory or not, and the answer once made. */
interface Checked {
  /** Stamp of the refs/ folder when its layout was checked: a new folder in it (refs/notes) changes it. */
  readonly refsDir: string;
  readonly plain: boolean;
  body?: { readonly learned: Learned; readonly bytes: Buffer };
}

const ZERO_OID = '0'.repeat(40);
const OID = /^[0-9a-f]{40}$/;
const LOOSE_REF = /^[0-9a-f]{40}\n$/;
/**
 * A ref name component that git's check_refname_format accepts and whose byte order is its JS
 * string order (ASCII only): no leading or trailing dot, no "..", no ".lock" ending, none of
 * `~^:?*[\` or "@{". Any other name is left to git (which skips a ref it cannot name).
 */
const COMPONENT = /^[A-Za-z0-9_+@-](?:[A-Za-z0-9._+@-]*[A-Za-z0-9_+@-])?$/;
const isPlainName = (name: string) => name.split('/').every((c) => COMPONENT.test(c) && !c.includes('..') && !c.endsWith('.lock'));
// Config keys whose effect on the advertisement is not a fixed capability string: a nonce per
// request (receive.certNonceSeed), a session id per process (transfer.advertiseSID), files the
// config stamp does not cover (include), another object format (extensions).
const UNMODELLED = /^(include|includeif|extensions)\.|^receive\.certnonceseed$|^transfer\.advertisesid$/;

/**
 * receive-pack's v0 advertisement of a repo (builtin/receive-pack.c `write_head_info`) from the
 * RefCache's snapshot: `<oid> <refname>` pkt-lines in refname byte order, the first carrying
 * `\0<capabilities>`, hidden refs left out, no peeled lines, `capabilities^{}` for a repo without
 * refs, then a flush. The capabilities and the prelude come from git itself, once per config stamp
 * (and git version), and only once git's answer was found equal to the one made here. Anything not
 * modelled (alternates and their `.have` lines, shallow grafts, refs outside refs/heads and
 * refs/tags, symbolic refs, odd names, a config setting listed above) leaves the answer to git.
 */
export class ReceiveAdverts {
  private readonly learned = new Map<string, Learned>();
  private readonly checked = new WeakMap<RefSnapshot, Checked>();

  constructor(private readonly gitVersion: string, private readonly warn: (msg: string) => void, private readonly maxRepos = 4096) {}

  /**
   * The advertisement git would write for `gitDir` (receive-pack --stateless-rpc
   * --http-backend-info-refs, the "# service" preamble not included), when `refs` is its current
   * snapshot and everything about the repo is modelled; undefined: run git.
   */
  answer(gitDir: string, refs: RefSnapshot | undefined, protocol: string): Buffer | undefined {
    const learned = this.learned.get(gitDir);
    if (!refs || !learned?.hide || learned.stamp !== this.stampOf(gitDir, protocol)) return undefined;
    const checked = this.check(gitDir, refs);
    if (!checked.plain || checked.refsDir !== dirStamp(gitDir, 'refs') || hasExtraObjects(gitDir)) return undefined;
    if (checked.body?.learned !== learned) {
      const bytes = build(refs, learned);
      if (!bytes) return undefined;
      checked.body = { learned, bytes };
    }
    return checked.body.bytes;
  }

  /**
   * Before git is run to advertise `gitDir`: a function to hand git's whole output to once it
   * exited 0, when there is something to learn from it (its config stamp is not known yet);
   * undefined otherwise. `refs` is called before git starts and after it exits: git's answer is
   * compared with this module's only when the snapshot was current both times.
   */
  learner(gitDir: string, protocol: string, refs: () => RefSnapshot | undefined): ((output: Buffer) => void) | undefined {
    const stamp = this.stampOf(gitDir, protocol);
    if (!stamp || this.learned.get(gitDir)?.stamp === stamp) return undefined;
    const before = refs();
    return (output) => {
      const after = refs();
      this.learn(gitDir, protocol, stamp, output, before !== undefined && before === after ? before : undefined)
        .catch((e: Error) => this.warn(`could not read the config of ${gitDir}: ${e.message}`));
    };
  }

  private async learn(gitDir: string, protocol: string, stamp: string, output: Buffer, refs: RefSnapshot | undefined): Promise<void> {
    const said = parseAdvert(output);
    // not advertisable from memory as the repo is now (or its refs were not in memory): ask git again next time
    if (!said || !refs || !this.check(gitDir, refs).plain || hasExtraObjects(gitDir)) return;
    // with the service's own -c options, which git lists last: they are read after the repo's config
    const hide = hideRefs(await git([...SERVICES['git-receive-pack'].config, 'config', '--list', '-z'], { gitDir }));
    // the config may have changed while it was read: then the next advertisement learns again
    if (this.stampOf(gitDir, protocol) !== stamp) return;
    let learned: Learned = { stamp, ...said, hide };
    if (hide) {
      const mine = build(refs, learned);
      if (!mine) return;
      if (!mine.equals(output)) {
        this.warn(`the receive-pack advertisement made in memory for ${gitDir} differs from git's; git makes them until its config changes`);
        learned = { ...learned, hide: null };
      }
    }
    this.learned.delete(gitDir);
    this.learned.set(gitDir, learned);
    if (this.learned.size > this.maxRepos) this.learned.delete(this.learned.keys().next().value as string);
  }

  private stampOf(gitDir: string, protocol: string): string {
    const config = configStamp(gitDir, protocol);
    return config ? `${this.gitVersion}\0${config}` : '';
  }

  /** Whether the refs behind `refs` are all plain (checked once per snapshot: the RefCache hands out a new one after any change). */
  private check(gitDir: string, refs: RefSnapshot): Checked {
    let checked = this.checked.get(refs);
    if (!checked) {
      const refsDir = dirStamp(gitDir, 'refs');
      // a snapshot read from the ref files found their layout plain as it read them (plainLayoutOf):
      // the ~300 loose tags of a busy template are not read again on a push's clock
      const files = refsDir !== '' && (plainLayoutOf(refs) === refsDir || isPlainLayout(gitDir));
      checked = { refsDir, plain: files && namesArePlain(refs) };
      this.checked.set(refs, checked);
    }
    return checked;
  }
}

/** Alternates (whose refs git sends as `.have` lines) or shallow grafts (`shallow` lines). */
function hasExtraObjects(gitDir: string): boolean {
  return ['objects/info/alternates', 'shallow', 'info/grafts'].some((rel) => statSync(path.join(gitDir, rel), { throwIfNoEntry: false }) !== undefined);
}

/**
 * True when every ref file of the repo is one git's ref iteration yields as a snapshot holds it:
 * refs/ holds only heads, tags and heater (Heater's own, hidden), packed-refs names nothing else,
 * and every loose ref under refs/heads and refs/tags is a plain object id (no symbolic ref).
 */
function isPlainLayout(gitDir: string): boolean {
  let top: string[];
  try { top = readdirSync(path.join(gitDir, 'refs')); } catch { return false; }
  if (!top.every((n) => n === 'heads' || n === 'tags' || n === 'heater')) return false;
  let packed = '';
  try { packed = readFileSync(path.join(gitDir, 'packed-refs'), 'latin1'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  for (const line of packed.split('\n')) {
    if (line === '' || line[0] === '#' || line[0] === '^') continue;
    if (!/^[0-9a-f]{40} refs\/(heads|tags|heater)\//.test(line)) return false;
  }
  const looseArePlain = (rel: string, depth: number): boolean => {
    let entries;
    try { entries = readdirSync(path.join(gitDir, rel), { withFileTypes: true }); } catch { return depth === 0; } // no refs/tags yet is fine; a folder gone meanwhile is not
    for (const e of entries) {
      if (e.isDirectory()) { if (depth > 32 || !looseArePlain(`${rel}/${e.name}`, depth + 1)) return false; continue; }
      if (e.name.endsWith('.lock')) continue; // git skips a ref being written; the snapshot's stamp covers the rename
      if (!e.isFile()) return false;
      let text: string;
      try { text = readFileSync(path.join(gitDir, rel, e.name), 'latin1'); } catch { return false; }
      if (!LOOSE_REF.test(text)) return false;
    }
    return true;
  };
  return looseArePlain('refs/heads', 0) && looseArePlain('refs/tags', 0);
}

/** True when every branch and tag of the snapshot has a plain name and an object id. */
function namesArePlain(refs: RefSnapshot): boolean {
  for (const map of [refs.tags, refs.branches]) {
    for (const [name, entry] of map) if (!isPlainName(name) || !OID.test(entry.oid)) return false;
  }
  return true;
}

/** The hideRefs patterns receive-pack applies (refs.c parse_hide_refs_config), in config order; null when the config holds what is not modelled. */
function hideRefs(list: Buffer): string[] | null {
  const hide: string[] = [];
  for (const entry of list.toString('utf8').split('\0')) {
    if (entry === '') continue;
    const nl = entry.indexOf('\n');
    const key = nl < 0 ? entry : entry.slice(0, nl);
    if (UNMODELLED.test(key)) return null;
    if (key !== 'transfer.hiderefs' && key !== 'receive.hiderefs') continue;
    if (nl < 0) return null; // a hideRefs without a value: git refuses the config
    hide.push(entry.slice(nl + 1).replace(/\/+$/, ''));
  }
  return hide;
}

/**
 * refs.c ref_is_hidden without a namespace (the full name and the name are the same): the last
 * pattern that matches decides, `!` unhides, `^` names the full ref, and a pattern matches a name it
 * is a prefix of up to a "/".
 */
function isHidden(ref: string, hide: readonly string[]): boolean {
  for (let i = hide.length - 1; i >= 0; i--) {
    let match = hide[i] ?? '';
    const neg = match.startsWith('!');
    if (neg) match = match.slice(1);
    if (match.startsWith('^')) match = match.slice(1);
    if (ref.startsWith(match) && (ref.length === match.length || ref[match.length] === '/')) return !neg;
  }
  return false;
}

/** The advertisement of `refs` with what git said of this repo; undefined when a line would not fit in a pkt-line. */
function build(refs: RefSnapshot, learned: Learned): Buffer | undefined {
  const lines: string[] = [];
  for (const [prefix, map] of [['refs/heads/', refs.branches], ['refs/tags/', refs.tags]] as const) {
    for (const [name, entry] of map) {
      const ref = prefix + name;
      if (!isHidden(ref, learned.hide ?? [])) lines.push(`${entry.oid} ${ref}`);
    }
  }
  // names are ASCII (isPlainName), so string order is git's byte order (strcmp in the ref iterator)
  lines.sort((a, b) => (a.slice(41) < b.slice(41) ? -1 : 1));
  if (lines.length === 0) lines.push(`${ZERO_OID} capabilities^{}`);
  let out = learned.prelude;
  for (let i = 0; i < lines.length; i++) {
    const line = i === 0 ? `${lines[i]}\0${learned.caps}\n` : `${lines[i]}\n`;
    if (line.length > 65516) return undefined; // LARGE_PACKET_DATA_MAX: git would die on it
    out += `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
  }
  return Buffer.from(`${out}0000`, 'latin1');
}

/** git's advertisement split at its first ref line: the pkt-lines before it and the capabilities it carries; null when it is not one. */
function parseAdvert(output: Buffer): { prelude: string; caps: string } | null {
  const text = output.toString('latin1');
  for (let at = 0; at + 4 <= text.length;) {
    const len = parseInt(text.slice(at, at + 4), 16);
    if (!/^[0-9a-f]{4}$/.test(text.slice(at, at + 4)) || len < 4 || at + len > text.length) return null;
    const line = text.slice(at + 4, at + len);
    const nul = line.indexOf('\0');
    if (nul >= 0) return line.endsWith('\n') ? { prelude: text.slice(0, at), caps: line.slice(nul + 1, -1) } : null;
    at += len;
  }
  return null;
}
