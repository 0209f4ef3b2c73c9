// The files of a version (`…/v/:ref/files`) and one file (`…/v/:ref/files/*path`): highlighted, each line an anchor.
import type { TreeFile } from '../git/objects';
import { renderPage, type PageContext } from './layout';
import { filePath, versionPath, type Downloads } from './template-page';

/** Where the page sits: the template, the ref in the URL and what it resolved to. */
export interface FilesPlace {
  readonly id: string;
  readonly ref: string;
  readonly version: string | null;
  /** Where raw files and archives are downloaded (see downloadsOf). */
  readonly downloads: Downloads;
}

function Crumbs({ p, file }: { p: FilesPlace; file?: string }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <a href="/">Templates</a> / <a href={versionPath(p.id, p.ref)}>{p.id} {p.version ?? p.ref}</a> / <a href={`${versionPath(p.id, p.ref)}/files`}>files</a>
      {file === undefined ? null : <> / {file}</>}
    </nav>
  );
}

const size = (n: number) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);
const rawOf = (p: FilesPlace, file: string) => p.downloads.raw(file);

/** The list of a version's files. */
export function renderFileList(ctx: PageContext, p: FilesPlace, files: readonly TreeFile[]): string {
  return renderPage(ctx, {
    title: `${p.id} ${p.version ?? p.ref} files`,
    children: (
      <>
        <Crumbs p={p} />
        <h1>Files of {p.id} <span class="version">{p.version ?? p.ref}</span></h1>
        <p><a href={p.downloads.archive('tar.gz')}>Download .tar.gz</a> · <a href={p.downloads.archive('zip')}>Download .zip</a></p>
        <div class="scroll">
          <table>
            <thead><tr><th scope="col">Path</th><th scope="col">Size</th><th scope="col">Raw</th></tr></thead>
            <tbody>
              {files.map((f) => {
                const plain = f.mode !== '120000' && f.mode !== '160000';
                return (
                  <tr>
                    <th scope="row">{plain ? <a href={filePath(p.id, p.ref, f.path)}>{f.path}</a> : <>{f.path} <span class="muted">({f.mode === '120000' ? 'symbolic link' : 'submodule'})</span></>}</th>
                    <td>{size(f.size)}</td>
                    <td>{plain ? <a href={rawOf(p, f.path)} aria-label={`Raw ${f.path}`}>raw</a> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </>
    ),
  });
}

/** One file: its lines highlighted (or a note for binary and large files), each with an anchor `#L<n>`. */
export function renderFile(ctx: PageContext, p: FilesPlace, file: TreeFile, lines: readonly string[] | null): string {
  return renderPage(ctx, {
    title: `${file.path} · ${p.id} ${p.version ?? p.ref}`,
    styles: ['highlight'],
    children: (
      <>
        <Crumbs p={p} file={file.path} />
        <h1 class="mono">{file.path}</h1>
        <p>{size(file.size)} · <a href={rawOf(p, file.path)}>Raw</a> · <a href={p.downloads.archive('tar.gz')}>Download .tar.gz</a></p>
        {lines === null ? <p>This file is binary or too large to show here; <a href={rawOf(p, file.path)}>download it</a>.</p> : (
          <div class="code scroll" role="region" aria-label={`Contents of ${file.path}`} tabIndex={0}>
            <table class="lines hljs">
              <tbody>
                {lines.map((html, i) => (
                  <tr id={`L${i + 1}`}>
                    <td class="ln"><a href={`#L${i + 1}`} aria-label={`Line ${i + 1}`}>{i + 1}</a></td>
                    <td class="src"><code dangerouslySetInnerHTML={{ __html: html }} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    ),
  });
}
