import { CleaveError } from '../../src/index.js';
import type { IdentityConfig } from './config.js';

const windowMs = 60_000;
const maxKeys = 100_000;

/** Times of recent failures per key, oldest first; a key holds at most its limit of them. */
class SlidingWindow {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit: number) {}

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const times = this.recent(key, now);
    return times.length < this.limit ? 0 : Math.max(1, Math.ceil((times[0] + windowMs - now) / 1000));
  }

  take(key: string, now: number): void {
    if (this.failures.size >= maxKeys) this.prune(now);
    this.failures.set(key, [...this.recent(key, now), now]);
  }

  give(key: string, at: number): void {
    const times = this.failures.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (index >= 0) times!.splice(index, 1);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - windowMs);
  }

  private prune(now: number): void {
    for (const key of this.failures.keys()) if (!this.recent(key, now).length) this.failures.delete(key);
    if (this.failures.size >= maxKeys) this.failures.clear();
  }
}

/**
 * Failed logins per account and per client address over the last minute. An attempt counts as a failure from
 * its start (so a burst of concurrent guesses is bounded too) and is given back when it succeeds. Past a limit
 * every attempt is refused before its password is checked, the right one included, so the answer never tells a
 * guesser whether a guess was right.
 */
export function makeLoginLimits({ config, clock }: { config: IdentityConfig; clock: () => Date }) {
  const { loginLimits } = config;
  const accounts = new SlidingWindow(loginLimits.perAccount);
  const addresses = new SlidingWindow(loginLimits.perAddress);
  return {
    /** Counts an attempt as failed; throws RESOURCE_EXHAUSTED (429, `Retry-After`) past a limit. `forget` takes it back. */
    attempt(email: string, address: string | undefined): { forget(): void } {
      const now = clock().getTime();
      const wait = Math.max(accounts.retryAfter(email, now), address ? addresses.retryAfter(address, now) : 0);
      if (wait) throw new CleaveError('RESOURCE_EXHAUSTED', `too many failed logins; try again in ${wait} s`, { retryAfterSeconds: wait });
      accounts.take(email, now);
      if (address) addresses.take(address, now);
      let counted = true;
      return {
        forget() {
          if (!counted) return;
          counted = false;
          accounts.give(email, now);
          if (address) addresses.give(address, now);
        },
      };
    },
  };
}

export type LoginLimits = ReturnType<typeof makeLoginLimits>;
