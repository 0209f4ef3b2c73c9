// Parsing git's unified diff output into files and hunks (the JSON form of a diff).

export type FileStatus = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied' | 'mode-changed';

export interface Hunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** The text after the second @@ (git's function context), or ''. */
  readonly header: string;
  /** Each line as git prints it: " context", "+added", "-removed", "\\ No newline at end of file". */
  readonly lines: string[];
}

export interface FileDiff {
  path: string;
  /** Set for renames and copies: the path in `from`. */
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  oldMode?: string;
  newMode?: string;
  /** Percent, for renames and copies. */
  similarity?: number;
  /** Lines added and removed (0 for binary files). */
  additions: number;
  deletions: number;
  hunks: Hunk[];
}

/** Undoes git's C-style quoting of a path ("a/\\303\\251.txt" → "a/é.txt"); plain paths are returned as they are. */
export function unquotePath(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const bytes: number[] = [];
  const s = raw.slice(1, -1);
  const simple: Record<string, number> = { n: 10, t: 9, '"': 34, '\\': 92, a: 7, b: 8, f: 12, r: 13, v: 11 };
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c !== '\\') { for (const b of Buffer.from(c, 'utf8')) bytes.push(b); continue; }
    const n = s[i + 1] ?? '';
    if (/[0-7]/.test(n)) { bytes.push(Number.parseInt(s.slice(i + 1, i + 4), 8)); i += 3; continue; }
    bytes.push(simple[n] ?? n.charCodeAt(0));
    i += 1;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `a/path` or `"a/path"` without its prefix. */
function stripPrefix(raw: string, prefix: 'a/' | 'b/'): string {
  const p = unquotePath(raw.trim());
  return p.startsWith(prefix) ? p.slice(2) : p;
}

/** The files of a `git diff` patch (default prefixes, no color), in git's order. */
export function parsePatch(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | null = null;
  let hunk: { h: Hunk; oldLeft: number; newLeft: number } | null = null;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      hunk = null;
      // the paths are fixed by the ---/+++ or rename lines below; this is a fallback for mode-only and binary changes
      const rest = line.slice('diff --git '.length);
      const m = /^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/.exec(rest) ?? /^(a\/.*) (b\/.*)$/.exec(rest);
      file = { path: m ? stripPrefix(m[2] ?? '', 'b/') : rest, status: 'modified', binary: false, additions: 0, deletions: 0, hunks: [] };
      const old = m ? stripPrefix(m[1] ?? '', 'a/') : '';
      if (old && old !== file.path) file.oldPath = old;
      files.push(file);
      continue;
    }
    if (!file) continue;
    if (hunk && (hunk.oldLeft > 0 || hunk.newLeft > 0 || line.startsWith('\\'))) {
      hunk.h.lines.push(line);
      const c = line[0];
      if (c === '+') { hunk.newLeft--; file.additions++; } else if (c === '-') { hunk.oldLeft--; file.deletions++; } else if (c === ' ') { hunk.oldLeft--; hunk.newLeft--; }
      continue;
    }
    const at = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/.exec(line);
    if (at) {
      const h: Hunk = { oldStart: Number(at[1]), oldLines: at[2] === undefined ? 1 : Number(at[2]), newStart: Number(at[3]), newLines: at[4] === undefined ? 1 : Number(at[4]), header: at[5] ?? '', lines: [] };
      file.hunks.push(h);
      hunk = { h, oldLeft: h.oldLines, newLeft: h.newLines };
      continue;
    }
    if (line.startsWith('new file mode ')) { file.status = 'added'; file.newMode = line.slice(14); }
    else if (line.startsWith('deleted file mode ')) { file.status = 'deleted'; file.oldMode = line.slice(18); }
    else if (line.startsWith('old mode ')) { file.oldMode = line.slice(9); if (file.status === 'modified') file.status = 'mode-changed'; }
    else if (line.startsWith('new mode ')) file.newMode = line.slice(9);
    else if (line.startsWith('similarity index ')) file.similarity = Number.parseInt(line.slice(17), 10);
    else if (line.startsWith('rename from ')) { file.status = 'renamed'; file.oldPath = unquotePath(line.slice(12)); }
    else if (line.startsWith('rename to ')) file.path = unquotePath(line.slice(10));
    else if (line.startsWith('copy from ')) { file.status = 'copied'; file.oldPath = unquotePath(line.slice(10)); }
    else if (line.startsWith('copy to ')) file.path = unquotePath(line.slice(8));
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
    else if (line.startsWith('--- ') && line !== '--- /dev/null') { const p = stripPrefix(line.slice(4), 'a/'); if (file.status !== 'added') file.oldPath = p === file.path ? undefined : p; }
    else if (line.startsWith('+++ ') && line !== '+++ /dev/null') file.path = stripPrefix(line.slice(4), 'b/');
    else if (line.startsWith('index ')) {
      const mode = /^index \S+ (\d{6})$/.exec(line)?.[1];
      if (mode) { file.oldMode ??= mode; file.newMode ??= mode; }
    }
  }
  for (const f of files) if (f.oldPath === undefined) delete f.oldPath;
  return files;
}
