import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Strips the IPv4-mapped prefix, so `::ffff:10.0.0.1` and `10.0.0.1` are one address. */
const plain = (address: string) => (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address);

/**
 * The proxies whose `X-Forwarded-For` is believed, from config `http.trustProxy`: comma-separated addresses or
 * CIDRs (`127.0.0.1, 10.0.0.0/8, fd00::/8`). Throws on an entry that is neither. Guarantee: a client address is
 * taken from `X-Forwarded-For`, and the client's scheme from `X-Forwarded-Proto`, only when the connection comes
 * from a trusted proxy, so a client cannot choose them.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(setting: string) {
    const entries = setting.split(',').map((entry) => entry.trim()).filter(Boolean);
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address);
      const bits = Number(prefix);
      const fits = prefix === undefined || (/^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128));
      if (!family || !fits) throw new Error(`"${entry}" is not an IP address or a CIDR`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, bits, type);
    }
  }

  /** True when `address` is a trusted proxy. */
  has(address: string): boolean {
    const family = isIP(address);
    return !this.empty && family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client address of a request: the connecting address, unless that is a trusted proxy; then the rightmost
   * address of `X-Forwarded-For` that is not a trusted proxy (the leftmost when all are).
   */
  clientAddress(req: IncomingMessage): string {
    let address = plain(req.socket.remoteAddress ?? 'unknown');
    if (!this.has(address)) return address;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => plain(hop.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!isIP(hops[i])) break;
      address = hops[i];
      if (!this.has(address)) break;
    }
    return address;
  }

  /**
   * True when the client reached the host over TLS: the connection itself is TLS, or it comes from a trusted proxy
   * whose `X-Forwarded-Proto` says https (its first value: the scheme the client used at the first proxy).
   */
  isSecure(req: IncomingMessage): boolean {
    if ((req.socket as TLSSocket).encrypted) return true;
    if (!this.has(plain(req.socket.remoteAddress ?? 'unknown'))) return false;
    const header = req.headers['x-forwarded-proto'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0].trim().toLowerCase();
    return first === 'https';
  }
}
