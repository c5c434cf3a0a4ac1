/** Limits of the connection guard. */
export interface GuardOptions {
  /** Connections accepted per remote address per second; the excess is closed at accept. */
  connectsPerSecond: number;
  /** Failed logins from one address for one device before that pair is blocked. */
  maxFailures: number;
  /** How long a blocked (address, device) pair waits, in milliseconds; also the quiet time that forgives failures. */
  blockMs: number;
  /** Failed logins from one address, whatever the devices, before the address itself is blocked. */
  addressMaxFailures: number;
  /** The longest block of an address: each block of the same address doubles, from `blockMs` up to this. */
  maxBlockMs: number;
  /** Addresses and pairs remembered; past it, the least recently seen are forgotten first. */
  maxEntries: number;
}

export const defaultGuard: GuardOptions = {
  connectsPerSecond: 20,
  maxFailures: 5,
  blockMs: 60_000,
  addressMaxFailures: 20,
  maxBlockMs: 3_600_000,
  maxEntries: 50_000,
};

interface Failures {
  count: number;
  lastAt: number;
  blockedUntil: number;
  /** Blocks in a row, for the address backoff. */
  strikes: number;
}

/** A map that forgets its least recently touched entry beyond `max` entries. */
class Recent<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

/**
 * Rate limits connections per address and blocks logins after repeated bad credentials. Guarantee: bad secrets
 * from one address block only that address's logins, never the device's logins from elsewhere. After
 * `maxFailures` from an address for one device, that pair is refused for `blockMs`; after `addressMaxFailures` from
 * one address on any devices, the address is refused for `blockMs`, doubling at each repeat up to `maxBlockMs`.
 * Failures are forgiven after `blockMs` without one. Memory is bounded by `maxEntries` per map, forgetting the
 * least recently seen, so a flood cannot lift the blocks it did not push out itself.
 */
export class ConnectionGuard {
  private readonly options: GuardOptions;
  private readonly attempts: Recent<{ second: number; count: number }>;
  private readonly pairs: Recent<Failures>;
  private readonly addresses: Recent<Failures>;

  constructor(options: Partial<GuardOptions> = {}) {
    this.options = { ...defaultGuard, ...options };
    this.attempts = new Recent(this.options.maxEntries);
    this.pairs = new Recent(this.options.maxEntries);
    this.addresses = new Recent(this.options.maxEntries);
  }

  /** False when `address` connects more often than `connectsPerSecond`. */
  allowConnect(address: string, now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    const entry = this.attempts.get(address);
    if (!entry || entry.second !== second) {
      this.attempts.set(address, { second, count: 1 });
      return true;
    }
    entry.count++;
    return entry.count <= this.options.connectsPerSecond;
  }

  /** True while logins of `deviceId` from `address`, or any login from `address`, are blocked. */
  blocked(address: string, deviceId: string, now = Date.now()): boolean {
    const byAddress = this.addresses.get(address);
    const byPair = this.pairs.get(pairKey(address, deviceId));
    return (byAddress?.blockedUntil ?? 0) > now || (byPair?.blockedUntil ?? 0) > now;
  }

  /** Counts a failed login of `deviceId` from `address`; blocks the pair, or the address, at their limits. */
  failed(address: string, deviceId: string, now = Date.now()): void {
    const { maxFailures, addressMaxFailures, blockMs, maxBlockMs } = this.options;
    const pair = this.count(this.pairs, pairKey(address, deviceId), now);
    if (pair.count >= maxFailures) this.block(pair, now, blockMs);
    const byAddress = this.count(this.addresses, address, now);
    if (byAddress.count >= addressMaxFailures) this.block(byAddress, now, Math.min(maxBlockMs, blockMs * 2 ** byAddress.strikes));
  }

  /** Forgets the failures of `deviceId` from `address` (not those of the address: a good login does not excuse guesses). */
  succeeded(address: string, deviceId: string): void {
    this.pairs.delete(pairKey(address, deviceId));
  }

  private count(map: Recent<Failures>, key: string, now: number): Failures {
    const entry = map.get(key) ?? { count: 0, lastAt: now, blockedUntil: 0, strikes: 0 };
    const quiet = now - Math.max(entry.lastAt, entry.blockedUntil);
    if (quiet > this.options.blockMs) entry.count = 0;
    if (quiet > this.options.maxBlockMs) entry.strikes = 0;
    entry.count++;
    entry.lastAt = now;
    map.set(key, entry);
    return entry;
  }

  private block(entry: Failures, now: number, forMs: number): void {
    entry.blockedUntil = now + forMs;
    entry.count = 0;
    entry.strikes++;
  }
}

const pairKey = (address: string, deviceId: string) => `${address} ${deviceId}`;
