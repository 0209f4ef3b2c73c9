// can(): the one access rule, as a table of principals, actions and targets (no server).
import { authorize, can, type Action, type Target } from '../../src/auth/policy';
import { ANONYMOUS, type Principal } from '../../src/auth/principal';
import { parseScope } from '../../src/auth/scopes';
import { ForbiddenError, UnauthenticatedError } from '../../src/errors/auth-error';
import { NotFoundError } from '../../src/errors/not-found-error';

const token = (name: string, ...scopes: string[]): Principal => ({ kind: 'token', name, scopes: scopes.map(parseScope) });
const link = (version: string | null): Principal => ({ kind: 'link', name: 'link:1', id: '1', template: 'acme/web', version, expires: new Date(0) });
const tpl = (ns: string, anonymousRead: boolean, version?: string | null): Target => ({ kind: 'template', namespace: ns, name: 'web', anonymousRead, ...(version === undefined ? {} : { version }) });
const PUBLIC = tpl('acme', true);
const PRIVATE = tpl('vault', false);

type Row = [string, Principal, Action, Target, 'allowed' | 'unauthenticated' | 'forbidden' | 'hidden'];
const rows: Row[] = [
  ['anyone reads a public template', ANONYMOUS, 'read', PUBLIC, 'allowed'],
  ['a private one is hidden from anonymous', ANONYMOUS, 'read', PRIVATE, 'hidden'],
  ['and from a token without read on it', token('t', 'write:acme'), 'read', PRIVATE, 'hidden'],
  ['read:vault reads it', token('t', 'read:vault'), 'read', PRIVATE, 'allowed'],
  ['write implies read', token('t', 'write:vault'), 'read', PRIVATE, 'allowed'],
  ['a private namespace is hidden too', ANONYMOUS, 'read', { kind: 'namespace', namespace: 'vault', anonymousRead: false }, 'hidden'],
  ['anonymous may not write', ANONYMOUS, 'write', PUBLIC, 'unauthenticated'],
  ['nor share', ANONYMOUS, 'share', PRIVATE, 'unauthenticated'],
  ['write:acme writes acme', token('t', 'write:acme'), 'write', PUBLIC, 'allowed'],
  ['read may not write', token('t', 'read'), 'write', PUBLIC, 'forbidden'],
  ['another namespace may not write', token('t', 'write:other'), 'write', PUBLIC, 'forbidden'],
  ['write may not administer', token('t', 'write:acme'), 'admin', PUBLIC, 'forbidden'],
  ['admin:acme administers acme', token('t', 'admin:acme'), 'admin', PUBLIC, 'allowed'],
  ['but not the registry', token('t', 'admin:acme'), 'admin', { kind: 'registry' }, 'forbidden'],
  ['admin does', token('t', 'admin'), 'admin', { kind: 'registry' }, 'allowed'],
  ['write somewhere, before the body names where', token('t', 'write:acme'), 'write', { kind: 'anywhere' }, 'allowed'],
  ['read-only tokens write nowhere', token('t', 'read'), 'write', { kind: 'anywhere' }, 'forbidden'],
  ['a token shares what it may read', token('t', 'write:other'), 'share', PUBLIC, 'allowed'],
  ['but not what is hidden from it', token('t', 'write:other'), 'share', PRIVATE, 'hidden'],
  ['a template link reads its template, private or not', link(null), 'read', tpl('acme', false), 'allowed'],
  ['any version of it', link(null), 'read', tpl('acme', false, null), 'allowed'],
  ['a version link reads that version', link('1.2.0'), 'read', tpl('acme', false, '1.2.0'), 'allowed'],
  ['not another', link('1.2.0'), 'read', tpl('acme', false, '1.3.0'), 'forbidden'],
  ['not a range or label', link('1.2.0'), 'read', tpl('acme', false, null), 'forbidden'],
  ['not the whole template', link('1.2.0'), 'read', tpl('acme', false), 'forbidden'],
  ['a link never writes', link(null), 'write', PUBLIC, 'forbidden'],
  ['nor makes links', link(null), 'share', PUBLIC, 'forbidden'],
  ['nor reads another public template', link(null), 'read', { kind: 'template', namespace: 'acme', name: 'db', anonymousRead: true }, 'forbidden'],
  ['to which a private one is hidden', link(null), 'read', PRIVATE, 'hidden'],
  ['nor lists the registry', link(null), 'read', { kind: 'registry' }, 'forbidden'],
];

test.each(rows)('%s', (_why, who, action, target, verdict) => {
  const d = can(who, action, target);
  expect(d.allowed ? 'allowed' : d.denial).toBe(verdict);
});

test.each([
  ['rest', ANONYMOUS, PRIVATE, NotFoundError, 'There is no template vault/web.'],
  ['git', ANONYMOUS, PRIVATE, UnauthenticatedError, 'This namespace is private: give any user name and a token with read on it as the password.'],
  ['git', token('t', 'read:acme'), PRIVATE, NotFoundError, 'There is no template vault/web.'],
  ['rest', ANONYMOUS, { kind: 'namespace', namespace: 'vault', anonymousRead: false } as Target, NotFoundError, 'There is no namespace vault.'],
] as const)('a hidden target over %s is %p', (protocol, who, target, type, message) => {
  expect(() => authorize(who, 'read', target, protocol)).toThrow(type);
  expect(() => authorize(who, 'read', target, protocol)).toThrow(message);
});

test('denials say why, with the challenge of the protocol', () => {
  const e = (() => { try { authorize(ANONYMOUS, 'write', PUBLIC, 'git'); } catch (x) { return x; } return null; })();
  expect(e).toBeInstanceOf(UnauthenticatedError);
  expect(e).toMatchObject({ scheme: 'Basic', code: 'unauthenticated', message: 'Writing needs a token: give any user name and the token as the password.' });
  expect(() => authorize(token('ci', 'read:acme'), 'write', PUBLIC, 'rest')).toThrow(new ForbiddenError('The token "ci" (scopes: read:acme) may not write namespace acme.'));
  expect(() => authorize(link('1.2.0'), 'read', tpl('acme', true, '2.0.0'), 'rest')).toThrow('This link is for version 1.2.0 of acme/web only: read that version, by its number.');
});
