/** Limits of the connection guard. */
export interface GuardOptions {
  /** Connection attempts allowed per remote address per second. */
  connectsPerSecond: number;
  /** Failed logins (per address, and per device id) before a temporary block. */
  maxFailures: number;
  /** How long a block lasts, in milliseconds. */
  blockMs: number;
}

export const defaultGuard: GuardOptions = { connectsPerSecond: 20, maxFailures: 5, blockMs: 60_000 };

/**
 * Rate limits connection attempts per address and blocks, for a while, an address or a device id after
 * repeated bad credentials, so guessing secrets is slow and a flood of connects cannot starve the host.
 */
export class ConnectionGuard {
  private readonly attempts = new Map<string, { second: number; count: number }>();
  private readonly failures = new Map<string, { count: number; blockedUntil: number }>();

  constructor(private readonly options: GuardOptions = defaultGuard) {}

  /** False when `address` connects too often. */
  allowConnect(address: string, now = Date.now()): boolean {
    const second = Math.floor(now / 1000);
    const entry = this.attempts.get(address);
    if (!entry || entry.second !== second) {
      if (this.attempts.size > 10_000) this.attempts.clear();
      this.attempts.set(address, { second, count: 1 });
      return true;
    }
    entry.count++;
    return entry.count <= this.options.connectsPerSecond;
  }

  /** True while `key` (an address or a device id) is blocked. */
  blocked(key: string, now = Date.now()): boolean {
    const entry = this.failures.get(key);
    return !!entry && entry.blockedUntil > now;
  }

  /** Counts a failed login for each key; blocks a key that reaches the limit. */
  failed(keys: string[], now = Date.now()): void {
    for (const key of keys) {
      const entry = this.failures.get(key) ?? { count: 0, blockedUntil: 0 };
      entry.count++;
      if (entry.count >= this.options.maxFailures) {
        entry.blockedUntil = now + this.options.blockMs;
        entry.count = 0;
      }
      if (this.failures.size > 10_000) this.failures.clear();
      this.failures.set(key, entry);
    }
  }

  /** Forgets failures of keys that logged in. */
  succeeded(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}
