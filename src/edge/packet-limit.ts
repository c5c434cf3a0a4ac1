import { Duplex } from 'node:stream';

/**
 * Largest remaining length of the first packet (the CONNECT), in bytes. The largest CONNECT a device needs is about
 * 500 bytes: 10 of variable header, a 64-byte client id and username, a short will (a topic of its tree and a
 * payload of a few dozen bytes), and a 256-character secret (each string with its 2-byte length).
 */
export const connectPacketLimit = 4096;

/** Why a connection was closed by the stage. */
export type PacketLimitBreach = 'packet_too_large' | 'malformed_header' | 'connect_timeout';

export interface PacketLimitOptions {
  /** Largest remaining length of a packet once the device is authenticated. */
  maxPacketBytes: number;
  /** Time from the first byte of the connection to the device's authentication, in milliseconds. */
  connectTimeoutMs: number;
  /** The address the connection is known by (for WebSocket, the client's, not the proxy's). */
  remoteAddress: string;
  /** Called once when the stage closes the connection. */
  onBreach?(reason: PacketLimitBreach, declared?: number): void;
}

/**
 * A stream stage between a device's connection and the MQTT broker's parser. Guarantee: the broker never receives
 * a packet whose fixed header declares more than the limit; the connection is destroyed as soon as that header is
 * read, so such a packet is never buffered. The first packet may declare at most `connectPacketLimit`; after it, the
 * stage reads nothing more until `authenticated()` (a client may pipeline packets behind its CONNECT: they wait in
 * the socket), then allows `maxPacketBytes`. A connection not authenticated within `connectTimeoutMs` is destroyed.
 * Bytes pass through untouched: the same buffers, in order, without a copy.
 */
export class PacketLimit extends Duplex {
  readonly remoteAddress: string;
  private limit = connectPacketLimit;
  private trusted = false;
  /** Bytes of the current packet's body still to pass. */
  private skip = 0;
  /** Position in the fixed header: 0 before the type byte, then 1 to 4 within the remaining length. */
  private headerByte = 0;
  private declared = 0;
  private multiplier = 1;
  private packets = 0;
  /** The rest of a chunk, from the first packet past the CONNECT, held until authentication. */
  private held: Buffer | undefined;
  private waiting = false;
  private readonly deadline: NodeJS.Timeout;

  constructor(
    private readonly source: Duplex,
    private readonly options: PacketLimitOptions,
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = options.remoteAddress;
    this.deadline = setTimeout(() => this.breach('connect_timeout'), options.connectTimeoutMs);
    source.on('data', (chunk: Buffer) => this.inspect(chunk));
    source.once('end', () => this.push(null));
    source.once('error', (err) => this.destroy(err));
    source.once('close', () => this.destroy());
  }

  /** True once the device has logged in. */
  get isAuthenticated(): boolean {
    return this.trusted;
  }

  /** The device logged in: packets up to `maxPacketBytes` pass from now on. */
  authenticated(): void {
    if (this.trusted) return;
    this.trusted = true;
    this.limit = this.options.maxPacketBytes;
    clearTimeout(this.deadline);
    const held = this.held;
    this.held = undefined;
    if (held) this.inspect(held);
    if (!this.held && !this.waiting && !this.destroyed) this.source.resume();
  }

  override _read(): void {
    this.waiting = false;
    if (!this.held && !this.destroyed) this.source.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.source.write(chunk)) done();
    else this.source.once('drain', () => done());
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.source.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = this.source.write(chunk);
    this.source.uncork();
    if (ok) done();
    else this.source.once('drain', () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    this.source.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    clearTimeout(this.deadline);
    this.held = undefined;
    this.source.destroy();
    done(err);
  }

  /** Walks the fixed headers in `chunk`, passes it on, and stops at a packet over the limit. */
  private inspect(chunk: Buffer): void {
    const end = chunk.length;
    let i = 0;
    while (i < end) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, end - i);
        this.skip -= step;
        i += step;
        continue;
      }
      if (this.headerByte === 0) {
        if (this.packets > 0 && !this.trusted) return this.hold(chunk, i);
        this.headerByte = 1;
        this.declared = 0;
        this.multiplier = 1;
        i++;
        continue;
      }
      const byte = chunk[i++];
      this.declared += (byte & 0x7f) * this.multiplier;
      if (byte & 0x80) {
        this.multiplier *= 128;
        if (++this.headerByte > 4) return this.breach('malformed_header');
        continue;
      }
      if (this.declared > this.limit) return this.breach('packet_too_large', this.declared);
      this.headerByte = 0;
      this.skip = this.declared;
      this.packets++;
    }
    this.pass(chunk);
  }

  private hold(chunk: Buffer, at: number): void {
    this.source.pause();
    this.held = chunk.subarray(at);
    if (at > 0) this.pass(chunk.subarray(0, at));
  }

  private pass(chunk: Buffer): void {
    if (!this.push(chunk)) {
      this.waiting = true;
      this.source.pause();
    }
  }

  private breach(reason: PacketLimitBreach, declared?: number): void {
    if (this.destroyed) return;
    this.options.onBreach?.(reason, declared);
    this.destroy();
  }
}
