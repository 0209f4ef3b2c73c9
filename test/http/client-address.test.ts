// The client address: the peer's, or what X-Forwarded-For says when (and as far as) the peers are trusted proxies.
import type { IncomingMessage } from 'node:http';
import { ClientAddress } from '../../src/http/client-address';

const req = (peer: string, xff?: string | string[]): IncomingMessage => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

test.each<[string, string[], string, string | string[] | undefined, string]>([
  ['no proxies configured: the header is ignored', [], '10.0.0.1', '203.0.113.7', '10.0.0.1'],
  ['an untrusted peer: ignored', ['10.0.0.0/8'], '192.0.2.9', '203.0.113.7', '192.0.2.9'],
  ['a trusted peer: the hop it added', ['10.0.0.0/8'], '10.0.0.1', '203.0.113.7', '203.0.113.7'],
  ['IPv4-mapped peers match IPv4 ranges', ['10.0.0.0/8'], '::ffff:10.0.0.1', '203.0.113.7', '203.0.113.7'],
  ['a forged hop in front is passed over', ['10.0.0.0/8'], '10.0.0.1', '1.1.1.1, 203.0.113.7', '203.0.113.7'],
  ['chains of trusted proxies are walked', ['10.0.0.0/8'], '10.0.0.1', '203.0.113.7, 10.9.9.9', '203.0.113.7'],
  ['headers given twice are one list', ['10.0.0.0/8'], '10.0.0.1', ['198.51.100.1', '203.0.113.7, 10.2.2.2'], '203.0.113.7'],
  ['garbage stops at the proxy that passed it', ['10.0.0.0/8'], '10.0.0.1', '203.0.113.7, not-an-ip', '10.0.0.1'],
  ['all trusted: the leftmost', ['10.0.0.0/8'], '10.0.0.1', '10.0.0.2', '10.0.0.2'],
  ['no header: the proxy itself', ['10.0.0.0/8'], '10.0.0.1', undefined, '10.0.0.1'],
  ['IPv6 ranges and single addresses', ['fd00::/8', '127.0.0.1'], 'fd00::1', '2001:db8::5', '2001:db8::5'],
])('%s', (_why, proxies, peer, xff, client) => {
  expect(new ClientAddress(proxies).of(req(peer, xff))).toBe(client);
});
