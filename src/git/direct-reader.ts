// Reading a repository's refs and objects in-process (packed-refs, loose refs, pack files, loose
// objects), for bulk reads such as a catalog rebuild where spawning git per repository dominates.
// Only the plain layout Heater and `git` itself write is understood: anything else (alternates,
// symbolic refs under refs/, SHA-256, odd messages) throws NotDirect and the caller falls back to git.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Lru } from './lru';
import { VERSION_NOTES, lastChange, type RefEntry, type RefSnapshot } from './refs';
import type { TreeFile } from './objects';
import { dirStamp } from './refs-stamp';

/** The repository is not one this reader understands; read it with git instead. */
export class NotDirect extends Error {}

/** Bytes of objects one reader keeps. */
const CACHE_BYTES = 32 * 1024 * 1024;

type ObjType = 'commit' | 'tree' | 'blob' | 'tag';
const TYPES: Record<number, ObjType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const OID = /^[0-9a-f]{40}$/;
/** A loose ref as git writes one: an object id and a newline. */
const LOOSE_REF = /^[0-9a-f]{40}\n$/;
/** Where a packed ref may live for the layout to be plain (plainLayoutOf). */
const PLAIN_NAMESPACE = /^refs\/(heads|tags|heater)\//;

interface Pack { readonly file: string; readonly idx: Buffer; readonly count: number; fd: number }

/** One repository's objects, read without git. Call close() when done. */
export class DirectRepo {
  private packs: Pack[] | null = null;
  // delta bases, trees and blobs met again by the next version: bounded, since a history of
  // thousands of files per version would otherwise be held whole (measured: 120 MB for 50 versions of 2,000 files)
  private readonly cache = new Lru<{ type: ObjType; data: Buffer }>(CACHE_BYTES);

  constructor(readonly gitDir: string) {
    if (statSync(path.join(gitDir, 'objects/info/alternates'), { throwIfNoEntry: false })) throw new NotDirect('alternates');
    if (statSync(path.join(gitDir, 'reftable'), { throwIfNoEntry: false })) throw new NotDirect('reftable');
  }

  close(): void {
    for (const p of this.packs ?? []) if (p.fd >= 0) { closeSync(p.fd); p.fd = -1; }
  }

  private loadPacks(): Pack[] {
    if (this.packs) return this.packs;
    const dir = path.join(this.gitDir, 'objects/pack');
    let names: string[] = [];
    try { names = readdirSync(dir); } catch { /* none */ }
    this.packs = [];
    for (const n of names) {
      if (!n.endsWith('.idx')) continue;
      const file = path.join(dir, n.slice(0, -4) + '.pack');
      const idx = readFileSync(path.join(dir, n));
      if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new NotDirect('pack index version');
      this.packs.push({ file, idx, count: idx.readUInt32BE(8 + 255 * 4), fd: -1 });
    }
    return this.packs;
  }

  /** The object `oid`: type and content. Throws NotDirect when it cannot be found. */
  read(oid: string): { type: ObjType; data: Buffer } {
    const hit = this.cache.get(oid);
    if (hit) return hit;
    let obj = this.readLoose(oid);
    if (!obj) {
      const want = Buffer.from(oid, 'hex');
      for (const p of this.loadPacks()) {
        const off = findOffset(p, want);
        if (off !== null) { obj = this.readPacked(p, off); break; }
      }
    }
    if (!obj) throw new NotDirect(`object ${oid} not found`);
    this.cache.set(oid, obj, obj.data.length + 100);
    return obj;
  }

  private readLoose(oid: string): { type: ObjType; data: Buffer } | null {
    let raw: Buffer;
    try { raw = readFileSync(path.join(this.gitDir, 'objects', oid.slice(0, 2), oid.slice(2))); } catch { return null; }
    const buf = inflateSync(raw);
    const sp = buf.indexOf(32);
    const nul = buf.indexOf(0);
    const type = buf.toString('latin1', 0, sp) as ObjType;
    if (!['commit', 'tree', 'blob', 'tag'].includes(type) || nul < 0) throw new NotDirect('loose object header');
    return { type, data: buf.subarray(nul + 1) };
  }

  private readPacked(p: Pack, offset: number): { type: ObjType; data: Buffer } {
    if (p.fd < 0) p.fd = openSync(p.file, 'r');
    const head = Buffer.alloc(32);
    readSync(p.fd, head, 0, 32, offset);
    let i = 0;
    let c = head[i++] ?? 0;
    const typeNo = (c >> 4) & 7;
    let size = c & 15;
    let shift = 4;
    while (c & 0x80) { c = head[i++] ?? 0; size += (c & 0x7f) * 2 ** shift; shift += 7; }
    let base: { type: ObjType; data: Buffer } | null = null;
    if (typeNo === 6) { // OFS_DELTA
      c = head[i++] ?? 0;
      let rel = c & 0x7f;
      while (c & 0x80) { c = head[i++] ?? 0; rel = (rel + 1) * 128 + (c & 0x7f); }
      base = this.readPacked(p, offset - rel);
    } else if (typeNo === 7) { // REF_DELTA
      base = this.read(head.toString('hex', i, i + 20));
      i += 20;
    } else if (!TYPES[typeNo]) throw new NotDirect('pack entry type');
    const data = this.inflateAt(p, offset + i, size);
    if (!base) return { type: TYPES[typeNo] as ObjType, data };
    return { type: base.type, data: applyDelta(base.data, data) };
  }

  private inflateAt(p: Pack, pos: number, size: number): Buffer {
    // compressed data is rarely larger than the content plus a little; read more when it is
    for (let want = size + 64; ; want *= 4) {
      const buf = Buffer.alloc(want);
      const n = readSync(p.fd, buf, 0, want, pos);
      try {
        // chunkSize: the content's own size, not zlib's 16 KiB (a 100-byte tree would hold 16 KiB for as long as it is cached)
        const out = inflateSync(buf.subarray(0, n), { finishFlush: 2 /* Z_SYNC_FLUSH */, chunkSize: Math.max(64, size) });
        if (out.length >= size) return out.subarray(0, size);
      } catch { /* truncated input: read more */ }
      if (n < want) throw new NotDirect('pack entry does not inflate');
    }
  }

  /** Every file of `tree` as `git ls-tree -r -l` lists them (trees walked, sizes read). */
  listTree(tree: string): Map<string, TreeFile> {
    const files = new Map<string, TreeFile>();
    const walk = (oid: string, prefix: string, depth: number) => {
      const obj = this.read(oid);
      if (obj.type !== 'tree' || depth > 64) throw new NotDirect('tree');
      const d = obj.data;
      const entries: { mode: string; name: string; oid: string }[] = [];
      for (let i = 0; i < d.length;) {
        const sp = d.indexOf(32, i);
        const nul = d.indexOf(0, sp);
        if (sp < 0 || nul < 0 || nul + 21 > d.length) throw new NotDirect('tree entry');
        entries.push({ mode: d.toString('latin1', i, sp), name: d.toString('utf8', sp + 1, nul), oid: d.toString('hex', nul + 1, nul + 21) });
        i = nul + 21;
      }
      for (const e of entries) {
        const p = prefix + e.name;
        if (e.mode === '40000') { walk(e.oid, `${p}/`, depth + 1); continue; }
        const mode = e.mode.padStart(6, '0');
        if (mode === '160000') { files.set(p, { path: p, mode, oid: e.oid, size: 0 }); continue; }
        const blob = this.read(e.oid);
        if (blob.type !== 'blob') throw new NotDirect('tree entry type');
        files.set(p, { path: p, mode, oid: e.oid, size: blob.data.length });
      }
    };
    walk(tree, '', 0);
    return files;
  }

  /** The bytes of blob `oid`. */
  readBlob(oid: string): Buffer {
    const o = this.read(oid);
    if (o.type !== 'blob') throw new NotDirect('not a blob');
    return o.data;
  }

  /**
   * Every tag, branch and version note, as readRefs reads them with for-each-ref. A ref that
   * `known` (an earlier snapshot of this repo) has at the same oid keeps its entry unread: an
   * entry is a function of the ref's name and object alone.
   */
  readRefs(known?: RefSnapshot): RefSnapshot {
    const refs = new Map<string, string>();
    // the layout is judged on the same reads (plainLayoutOf), refs/ stamped first
    const refsDir = dirStamp(this.gitDir, 'refs');
    let plain = refsDir !== '';
    try {
      plain &&= readdirSync(path.join(this.gitDir, 'refs')).every((n) => n === 'heads' || n === 'tags' || n === 'heater');
    } catch { plain = false; }
    let packed = '';
    try { packed = readFileSync(path.join(this.gitDir, 'packed-refs'), 'utf8'); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') plain = false; // none is plain; unreadable is not
    }
    for (const line of packed.split('\n')) {
      if (!line || line[0] === '#' || line[0] === '^') continue;
      const sp = line.indexOf(' ');
      const oid = line.slice(0, sp);
      if (!OID.test(oid)) throw new NotDirect('packed-refs line');
      const name = line.slice(sp + 1);
      if (!PLAIN_NAMESPACE.test(name)) plain = false;
      refs.set(name, oid);
    }
    const walk = (rel: string, depth: number, judged: boolean) => {
      let entries: Dirent[];
      try { entries = readdirSync(path.join(this.gitDir, rel), { withFileTypes: true }); } catch {
        if (judged && depth > 0) plain = false; // a folder gone mid-walk: no refs/tags yet is plain, this is not
        return;
      }
      for (const e of entries) {
        const r = `${rel}/${e.name}`;
        const full = path.join(this.gitDir, r);
        let dir = e.isDirectory();
        if (!dir && !e.isFile()) {
          // a symbolic link (git's old symbolic refs) is followed, as before, but never plain
          if (judged) plain = false;
          const st = statSync(full, { throwIfNoEntry: false });
          if (!st) continue;
          if (!st.isDirectory() && !st.isFile()) throw new NotDirect(`ref ${r} is not a file`);
          dir = st.isDirectory();
        }
        if (dir) { if (depth > 32) throw new NotDirect('deep refs'); walk(r, depth + 1, judged); continue; }
        if (e.name.endsWith('.lock')) continue;
        const text = readFileSync(full, 'utf8');
        const v = text.trim();
        if (!OID.test(v)) throw new NotDirect(`ref ${r}`);
        if (judged && !LOOSE_REF.test(text)) plain = false;
        refs.set(r, v);
      }
    };
    walk('refs/tags', 0, true);
    walk('refs/heads', 0, true);
    walk(VERSION_NOTES, 0, false); // refs/heater is hidden from the wire: its layout does not matter there
    const names = [...refs.keys()].filter((r) => r.startsWith('refs/tags/') || r.startsWith('refs/heads/') || r.startsWith(`${VERSION_NOTES}/`))
      .sort(byBytes);
    const tags = new Map<string, RefEntry>();
    const branches = new Map<string, RefEntry>();
    const versionNotes = new Map<string, RefEntry>();
    for (const ref of names) {
      const oid = refs.get(ref) ?? '';
      const name = ref.replace(/^refs\/(tags|heads|heater\/versions)\//, '');
      const into = ref.startsWith('refs/tags/') ? tags : ref.startsWith('refs/heads/') ? branches : versionNotes;
      const was = known && (into === tags ? known.tags : into === branches ? known.branches : known.versionNotes).get(name);
      if (was && was.oid === oid) { into.set(name, was); continue; }
      const obj = this.read(oid);
      let entry: RefEntry;
      if (obj.type === 'tag') {
        const t = parseObject(obj.data);
        const target = t.headers.get('object') ?? '';
        const tagger = parsePerson(t.headers.get('tagger'));
        const peeled = this.read(target);
        if (peeled.type !== t.headers.get('type')) throw new NotDirect('tag type');
        const ptree = peeled.type === 'commit' ? (parseObject(peeled.data).headers.get('tree') ?? '') : '';
        entry = { name, oid, commit: peeled.type === 'commit' ? target : '', tree: ptree, annotated: true, created: tagger.date, author: tagger.name, subject: t.subject };
      } else if (obj.type === 'commit') {
        const c = parseObject(obj.data);
        entry = { name, oid, commit: oid, tree: c.headers.get('tree') ?? '', annotated: false, created: parsePerson(c.headers.get('committer')).date, author: parsePerson(c.headers.get('author')).name, subject: c.subject };
      } else throw new NotDirect('ref to a tree or blob');
      into.set(name, entry);
    }
    let headFile = '';
    try { headFile = readFileSync(path.join(this.gitDir, 'HEAD'), 'utf8'); } catch { /* none */ }
    const m = /^ref: refs\/heads\/(.+)$/m.exec(headFile);
    const snapshot: RefSnapshot = { tags, branches, versionNotes, defaultBranch: m?.[1]?.trim() ?? 'main', updated: new Date(Number(lastChange(this.gitDir, tags, branches) / 1000000n)).toISOString() };
    if (plain) plainLayouts.set(snapshot, refsDir);
    return snapshot;
  }
}

/** Snapshots read by DirectRepo.readRefs whose ref files were plain, with the stamp of refs/ then (plainLayoutOf). */
const plainLayouts = new WeakMap<RefSnapshot, string>();

/**
 * For a snapshot DirectRepo.readRefs read, when every ref file of the repo was then in the layout
 * git iterates as the snapshot holds it (refs/ holding only heads, tags and heater; packed-refs
 * naming nothing else; each loose ref under refs/heads and refs/tags a regular file holding an
 * object id and a newline): the `<ino>:<mtime>` stamp of refs/ at that read (refs-stamp.ts
 * dirStamp). Undefined for any other snapshot (git read it, or something else was found).
 */
export function plainLayoutOf(refs: RefSnapshot): string | undefined {
  return plainLayouts.get(refs);
}

/** Headers (first of each name) and the one-line subject of a commit or tag; NotDirect for anything unusual. */
function parseObject(data: Buffer): { headers: Map<string, string>; subject: string } {
  const text = data.toString('utf8');
  const end = text.indexOf('\n\n');
  const headers = new Map<string, string>();
  for (const line of (end < 0 ? text : text.slice(0, end)).split('\n')) {
    if (line[0] === ' ') continue; // continuation (a signature)
    const sp = line.indexOf(' ');
    const k = line.slice(0, sp);
    if (k === 'gpgsig' || k === 'encoding') throw new NotDirect('signed or encoded');
    if (!headers.has(k)) headers.set(k, line.slice(sp + 1));
  }
  const body = end < 0 ? '' : text.slice(end + 2);
  if (body.includes('-----BEGIN')) throw new NotDirect('signature in message');
  const nl = body.indexOf('\n');
  const subject = nl < 0 ? body : body.slice(0, nl);
  // a one-line first paragraph, nothing git would fold or trim
  if (subject === '' || subject.includes('\r') || subject !== subject.trim() || (nl >= 0 && nl + 1 < body.length && body[nl + 1] !== '\n')) throw new NotDirect('message');
  return { headers, subject };
}

function parsePerson(line: string | undefined): { name: string; date: string } {
  const m = line ? /^([^<\n]*)<[^>\n]*> (\d+) [+-]\d{4}$/.exec(line) : null;
  if (!m) throw new NotDirect('person line');
  return { name: (m[1] ?? '').trimEnd(), date: new Date(Number(m[2]) * 1000).toISOString() };
}

function findOffset(p: Pack, want: Buffer): number | null {
  const idx = p.idx;
  const first = want[0] ?? 0;
  let lo = first === 0 ? 0 : idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = idx.readUInt32BE(8 + first * 4);
  const names = 8 + 256 * 4;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = idx.compare(want, 0, 20, names + mid * 20, names + mid * 20 + 20);
    if (cmp === 0) {
      const offs = names + p.count * 20 + p.count * 4;
      const o = idx.readUInt32BE(offs + mid * 4);
      if (!(o & 0x80000000)) return o;
      const big = offs + p.count * 4 + (o & 0x7fffffff) * 8;
      return idx.readUInt32BE(big) * 2 ** 32 + idx.readUInt32BE(big + 4);
    }
    // compare() is of `want` against the entry: the arguments are swapped
    if (cmp > 0) hi = mid; else lo = mid + 1;
  }
  return null;
}

function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let i = 0;
  const varint = () => { let v = 0; let s = 0; let c; do { c = delta[i++] ?? 0; v += (c & 0x7f) * 2 ** s; s += 7; } while (c & 0x80); return v; };
  if (varint() !== base.length) throw new NotDirect('delta base size');
  const out = Buffer.alloc(varint());
  let o = 0;
  while (i < delta.length) {
    const op = delta[i++] ?? 0;
    if (op & 0x80) {
      let off = 0; let len = 0;
      for (let k = 0; k < 4; k++) if (op & (1 << k)) off += (delta[i++] ?? 0) * 2 ** (8 * k);
      for (let k = 0; k < 3; k++) if (op & (16 << k)) len += (delta[i++] ?? 0) * 2 ** (8 * k);
      if (len === 0) len = 0x10000;
      if (off + len > base.length || o + len > out.length) throw new NotDirect('delta copy');
      base.copy(out, o, off, off + len); o += len;
    } else if (op) {
      if (o + op > out.length || i + op > delta.length) throw new NotDirect('delta insert');
      delta.copy(out, o, i, i + op); o += op; i += op;
    } else throw new NotDirect('delta opcode');
  }
  if (o !== out.length) throw new NotDirect('delta size');
  return out;
}

/** for-each-ref's order: by the names' UTF-8 bytes (which for ASCII is JavaScript's own string order, without a Buffer per comparison). */
function byBytes(a: string, b: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** DirectRepo.readRefs of `gitDir`, reusing the entries of `known`; throws NotDirect (read it with git then). */
export function readRefsSince(gitDir: string, known: RefSnapshot): RefSnapshot {
  // a repo that is gone (or not one) is for git to report, as it always was
  if (!statSync(path.join(gitDir, 'HEAD'), { throwIfNoEntry: false })) throw new NotDirect('no HEAD');
  const repo = new DirectRepo(gitDir);
  try {
    return repo.readRefs(known);
  } finally {
    repo.close();
  }
}
