// URLs of this server's file API (`…/api/v1/templates/{ns}/{name}/versions/{ref}/files/{path}`), recognised by path shape.
import semver from 'semver';
import { isValidName } from '../git/store';
import { versionOfTag } from './versions';

/** How a use names the version it wants: as the version resolver would read the ref. */
export type UseKind = 'version' | 'range' | 'latest' | 'label' | 'commit';

// The path shape of a file URL of this API, after any host and any prefix (a read link `/l/<token>`, a proxy's path):
// a copied data directory or another host name still resolves, as the path is what names the template.
const FILE_URL = /^(?:[a-z][a-z0-9+.-]*:\/\/[^/?#]*)?(?:\/[^?#]*)?\/api\/v1\/templates\/([^/?#]+)\/([^/?#]+)\/versions\/([^/?#]+)\/files\/([^?#]+)(?:[?#].*)?$/i;
const HEX = /^[0-9a-f]{7,40}$/;

/** The template, ref and path a URL of this server's file API names, or null when it is not one. */
export function parseTemplateUrl(url: string): { template: string; ref: string; kind: UseKind; path: string } | null {
  const m = FILE_URL.exec(url.trim());
  if (!m) return null;
  let ns: string, name: string, ref: string, file: string;
  try {
    [ns, name, ref, file] = [m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? ''].map(decodeURIComponent) as [string, string, string, string];
  } catch {
    return null; // a malformed escape: not a URL this server handed out
  }
  if (!isValidName(ns) || !isValidName(name) || ref === '') return null;
  return { template: `${ns}/${name}`, ref, kind: useKind(ref), path: file };
}

/** The kind of a ref, read by its shape as the resolver tries it: latest, a version, a commit id, a range, else a label. */
export function useKind(ref: string): UseKind {
  if (ref === 'latest') return 'latest';
  if (versionOfTag(ref) !== null) return 'version';
  if (HEX.test(ref)) return 'commit';
  if (/[\d*xX]/.test(ref) && semver.validRange(ref) !== null) return 'range';
  return 'label';
}

