// Reading a version's files from a REST upload: a JSON object of files, or a .tar.gz; every path checked.
import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '../errors/invalid-input-error';
import { TooLargeError } from '../errors/limit-error';
import type { NewFile } from '../git/writer';

/** Limits on one upload: files, bytes in all (inflated), path length; the largest file is HEATER_MAX_FILE_MB, given by the caller. */
export const UPLOAD_LIMITS = Object.freeze({ files: 10_000, totalBytes: 64 * 1024 * 1024, pathBytes: 4096 });

/** Returns `raw` as a clean relative path, or throws InvalidInputError naming the rule it breaks. */
export function checkUploadPath(raw: string): string {
  const p = raw.replace(/^\.\//, '');
  const bad = (why: string) => new InvalidInputError('files', `"${raw.slice(0, 200).replace(/[\x00-\x1f]/g, '?')}" is not an allowed file path: ${why}.`);
  if (p === '') throw bad('it is empty');
  if (p.includes('\0')) throw bad('it contains a NUL byte');
  if (/[\x00-\x1f\x7f]/.test(p)) throw bad('it contains a control character');
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p)) throw bad('it is absolute; paths are relative to the template root');
  if (p.includes('\\')) throw bad('it contains a backslash; use "/"');
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) throw bad('it has an empty, "." or ".." segment');
  // what git's fsck refuses at push (receive.fsckObjects): ".git" in any case and its NTFS/HFS+ aliases, and .gitmodules
  if (parts.some((s) => /^(\.git|git~1)$/.test(s.toLowerCase().replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, '').replace(/[. ]+$/, '')))) throw bad('".git" (or a name a file system reads as ".git") is reserved');
  if (parts.some((s) => s.toLowerCase() === '.gitmodules')) throw bad('submodules are not supported');
  if (Buffer.byteLength(p) > UPLOAD_LIMITS.pathBytes) throw bad(`it is longer than ${UPLOAD_LIMITS.pathBytes} bytes`);
  return p;
}

/** Files collected so far, and every folder they imply. */
interface Collected { readonly files: Map<string, NewFile>; readonly dirs: Set<string>; bytes: number; readonly maxFileBytes: number }

function addFile(c: Collected, rawPath: string, content: Buffer, executable: boolean): void {
  const path = checkUploadPath(rawPath);
  const out = c.files;
  if (out.has(path)) throw new InvalidInputError('files', `"${path}" is given twice.`);
  if (c.dirs.has(path)) throw new InvalidInputError('files', `"${path}" is both a file and a folder.`);
  const parts = path.split('/');
  for (let k = 1; k < parts.length; k++) {
    const dir = parts.slice(0, k).join('/');
    if (out.has(dir)) throw new InvalidInputError('files', `"${dir}" is both a file and a folder.`);
    c.dirs.add(dir);
  }
  if (content.length > c.maxFileBytes) throw new TooLargeError(`"${path}" is ${content.length} bytes; a file may be at most ${c.maxFileBytes} bytes (${c.maxFileBytes / 1048576} MiB).`);
  c.bytes += content.length;
  if (c.bytes > UPLOAD_LIMITS.totalBytes) throw new TooLargeError(`The files add up to more than ${UPLOAD_LIMITS.totalBytes} bytes.`);
  if (out.size >= UPLOAD_LIMITS.files) throw new TooLargeError(`A version may have at most ${UPLOAD_LIMITS.files} files.`);
  out.set(path, { path, content, executable });
}

/**
 * The files of a JSON publish: `{path: "text"}` or `{path: {text | base64, executable?}}`.
 * Throws InvalidInputError, or TooLargeError for a file over `maxFileBytes` and past UPLOAD_LIMITS.
 */
export function filesFromJson(files: unknown, maxFileBytes: number): NewFile[] {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new InvalidInputError('files', '"files" must be an object mapping each path to its text, or to {"base64": "...", "executable": true}.');
  }
  const c: Collected = { files: new Map(), dirs: new Set(), bytes: 0, maxFileBytes };
  for (const [path, v] of Object.entries(files as Record<string, unknown>)) {
    if (typeof v === 'string') { addFile(c, path, Buffer.from(v, 'utf8'), false); continue; }
    const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    const exec = o.executable === true;
    if (o.executable !== undefined && typeof o.executable !== 'boolean') throw new InvalidInputError('files', `"executable" of "${path}" must be true or false.`);
    if (typeof o.text === 'string' && o.base64 === undefined) { addFile(c, path, Buffer.from(o.text, 'utf8'), exec); continue; }
    if (typeof o.base64 === 'string' && o.text === undefined) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.base64) || o.base64.length % 4 !== 0) throw new InvalidInputError('files', `"${path}": base64 content is not valid base64.`);
      addFile(c, path, Buffer.from(o.base64, 'base64'), exec);
      continue;
    }
    throw new InvalidInputError('files', `"${path}" must be a string, or an object with exactly one of "text" or "base64".`);
  }
  if (c.files.size === 0) throw new InvalidInputError('files', 'A version needs at least one file.');
  return [...c.files.values()];
}

const octal = (b: Buffer, start: number, len: number) => {
  const s = b.toString('latin1', start, start + len).replace(/\0.*$/s, '').trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
};
const cstr = (b: Buffer, start: number, len: number) => b.toString('utf8', start, start + len).replace(/\0.*$/s, '');

/**
 * The regular files of a .tar.gz (ustar, pax and GNU long names); folders are implied. Links,
 * devices and anything else are refused: a version holds plain files. Throws InvalidInputError or TooLargeError (as filesFromJson).
 */
export function filesFromTarGz(gz: Buffer, maxFileBytes: number): NewFile[] {
  let tar: Buffer;
  try { tar = gunzipSync(gz, { maxOutputLength: UPLOAD_LIMITS.totalBytes + 1024 * 1024 }); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLargeError(`The archive unpacks to more than ${UPLOAD_LIMITS.totalBytes} bytes.`);
    throw new InvalidInputError('body', 'The upload is not a valid gzip file.');
  }
  const c: Collected = { files: new Map(), dirs: new Set(), bytes: 0, maxFileBytes };
  let next: { path?: string } = {};
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break; // end of archive
    const sum = octal(h, 148, 8);
    let check = 0;
    for (let i = 0; i < 512; i++) check += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
    if (sum !== check) throw new InvalidInputError('body', 'The upload is not a valid tar archive (a header checksum is wrong).');
    const size = octal(h, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new InvalidInputError('body', 'The upload is not a valid tar archive (an entry has an impossible size).');
    const type = String.fromCharCode(h[156] ?? 0);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw new InvalidInputError('body', 'The tar archive is cut short.');
    off += 512 + Math.ceil(size / 512) * 512;
    const ustar = h.toString('latin1', 257, 262) === 'ustar';
    const name = next.path ?? (ustar && cstr(h, 345, 155) ? `${cstr(h, 345, 155)}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    if (type === 'x') { next = { path: /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1] ?? next.path }; continue; }
    if (type === 'L') { next = { path: body.toString('utf8').replace(/\0.*$/s, '') }; continue; }
    next = {};
    if (type === 'g' || type === '5') continue; // global pax header, folder
    if (type === '0' || type === '\0' || type === '7') { addFile(c, name, Buffer.from(body), (octal(h, 100, 8) & 0o111) !== 0); continue; }
    const what = type === '2' ? 'a symbolic link' : type === '1' ? 'a hard link' : `an entry of tar type "${type}"`;
    throw new InvalidInputError('files', `"${name.slice(0, 200)}" is ${what}; a version holds plain files only.`);
  }
  if (c.files.size === 0) throw new InvalidInputError('files', 'The archive holds no files.');
  return [...c.files.values()];
}
