import { BlockList, isIP } from 'node:net';
import type { Context } from 'koa';

/**
 * Who sent a request, as far as Cleave can tell: the socket's address, or, when that address is a trusted reverse
 * proxy (config `http.trustProxy`), the nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
 * A client cannot forge its address by sending the header itself: entries it wrote sit left of those the trusted
 * proxies appended, and only those are read.
 */
export class ClientAddress {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  /** `trustProxy`: comma-separated addresses or CIDRs (IPv4 or IPv6); empty trusts nobody. */
  constructor(trustProxy: string) {
    const entries = trustProxy.split(',').map((entry) => entry.trim()).filter(Boolean);
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      const bits = Number(prefix);
      if (!isIP(address) || (prefix !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (type === 'ipv6' ? 128 : 32)))) {
        throw new Error(`http.trustProxy: "${entry}" is not an IP address or CIDR`);
      }
      if (prefix === undefined) this.trusted.addAddress(address, type);
      else this.trusted.addSubnet(address, bits, type);
    }
    this.any = entries.length > 0;
  }

  /** The client address of a request. */
  of(ctx: Context): string {
    let address = normalise(ctx.req.socket.remoteAddress ?? 'unknown');
    if (!this.any || !this.isTrusted(address)) return address;
    const forwarded = ctx.get('x-forwarded-for').split(',').map((hop) => normalise(hop.trim())).filter(Boolean);
    while (forwarded.length && this.isTrusted(address)) {
      const hop = forwarded.pop()!;
      if (!isIP(hop)) break;
      address = hop;
    }
    return address;
  }

  private isTrusted(address: string): boolean {
    const type = isIP(address);
    return type !== 0 && this.trusted.check(address, type === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:1.2.3.4` as `1.2.3.4`, so an IPv4 client has one address whatever the socket family. */
const normalise = (address: string) => (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address);
