// Making a read link for a caller: what POST …/links and the template page's button both do.
import type { Request } from 'express';
import { MAX_LINK_LIFETIME_MS, type ReadLinks } from '../auth/read-links';
import { parseExpiry } from '../auth/token-store';
import type { WriteEvents } from '../events/write-events';
import type { TemplateId } from '../git/store';
import { InvalidInputError } from '../errors/invalid-input-error';
import type { Registry } from '../registry/registry';
import type { Access } from './access';
import { baseUrl } from './params';

export interface ReadLinkDeps {
  readonly registry: Registry;
  readonly links: ReadLinks;
  readonly access: Access;
  readonly events: WriteEvents;
  readonly publicUrl: string;
}

const DEFAULT_EXPIRY = '7d';

/** The body of a link request (JSON, or the template page's form): `{version?, expires?}`, nothing else. */
export function linkRequest(body: unknown): { version: string | undefined; expires: Date } {
  const b = body ?? {};
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InvalidInputError('body', 'Send a JSON object such as {"version": "1.2.0", "expires": "24h"}, or nothing.');
  const { version, expires, ...rest } = b as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new InvalidInputError(unknown, `"${unknown.slice(0, 50)}" is not part of a link request; give "version" and "expires".`);
  if (version !== undefined && (typeof version !== 'string' || version === '')) throw new InvalidInputError('version', '"version" must be a version, or a ref that resolves to one (1.2.0, latest, ^1.2, a label).');
  if (expires !== undefined && typeof expires !== 'string') throw new InvalidInputError('expires', '"expires" must be like "24h", "7d" or an ISO date.');
  const at = parseExpiry(expires ?? DEFAULT_EXPIRY);
  if (at.getTime() > Date.now() + MAX_LINK_LIFETIME_MS) throw new InvalidInputError('expires', `A link lives at most ${MAX_LINK_LIFETIME_MS / 86_400_000} days; ask for a new one when it runs out.`);
  return { version, expires: at };
}

/** A link as handed out: its id, what it reads, until when, and its URLs. */
export interface MadeLink {
  readonly id: string;
  readonly template: string;
  readonly version: string | null;
  readonly expires: string;
  readonly prefix: string;
  readonly url: string;
  readonly cloneUrl: string | null;
}

/**
 * Signs a link to `version` (anything that resolves to a version) or, when undefined, to the whole
 * template, for the caller access.allow('share') let through, and records it. Throws NotFoundError
 * (no such template or version), InvalidInputError (a ref that lands on a commit without a version).
 */
export async function makeReadLink({ registry, links, access, events, publicUrl }: ReadLinkDeps, req: Request, t: TemplateId, ask: { version: string | undefined; expires: Date }): Promise<MadeLink> {
  let version: string | null = null;
  let entrypoint = '';
  if (ask.version === undefined) {
    await registry.snapshot(t); // the template must exist
  } else {
    const { gitDir, resolution } = await registry.resolve(t, ask.version);
    if (!resolution.version) throw new InvalidInputError('version', `"${ask.version.slice(0, 100)}" resolves to commit ${resolution.commit.slice(0, 12)}, which is no version; a link is for a version or for the whole template.`);
    version = resolution.version.version;
    entrypoint = (await registry.facts(gitDir, resolution)).entrypoint;
  }
  const { id, token } = await links.sign(t.id, version, ask.expires);
  const prefix = `${baseUrl(publicUrl, req)}/l/${token}`;
  const api = `${prefix}/api/v1/templates/${t.id}`;
  const files = entrypoint.split('/').map(encodeURIComponent).join('/');
  const expires = ask.expires.toISOString();
  await events.emit({ via: 'rest', refs: [], action: 'link.create', actor: access.actor(req), template: t, namespace: t.namespace, ok: true, detail: `link ${id} to ${version === null ? 'every version' : `version ${version}`} until ${expires}` });
  return {
    id, template: t.id, version, expires, prefix,
    url: version === null ? api : `${api}/versions/${version}/files/${files}`,
    cloneUrl: version === null ? `${prefix}/${t.id}.git` : null,
  };
}
