// The client's address: the peer's, or, when the peer is a trusted reverse proxy, the one X-Forwarded-For names.
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Strips the IPv4-mapped prefix a dual-stack socket reports (`::ffff:10.0.0.1` is 10.0.0.1). */
function plain(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return v4?.[1] ?? address;
}

/** The configured proxies (HEATER_TRUSTED_PROXIES), and the address rule built on them. */
export class ClientAddress {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  /** `proxies`: addresses and CIDR ranges, as config.ts validated them. */
  constructor(proxies: readonly string[]) {
    for (const p of proxies) {
      const [ip = '', bits] = p.split('/');
      const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(ip, family);
      else this.trusted.addSubnet(ip, Number(bits), family);
    }
    this.any = proxies.length > 0;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  /**
   * The address a request comes from. X-Forwarded-For is read right to left, each hop added by the
   * proxy before it, and only while the hop that added it is trusted: the first untrusted address is
   * the client (a client cannot forge what a trusted proxy appended after it). An entry that is not
   * an address stops the walk at the proxy that passed it on.
   */
  of(req: IncomingMessage): string {
    let address = plain(req.socket.remoteAddress ?? '');
    if (!this.any || !this.isTrusted(address)) return address;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((h) => h.trim()).filter(Boolean).reverse();
    for (const hop of hops) {
      if (isIP(hop) === 0) return address;
      address = plain(hop);
      if (!this.isTrusted(address)) return address;
    }
    return address;
  }
}
