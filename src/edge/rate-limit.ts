/** What to do with one more message of a device. */
export type RateDecision = 'accept' | 'refuse' | 'drop';

interface Bucket {
  tokens: number;
  filledAt: number;
  refusedAt: number;
}

/**
 * A token bucket per device: `perSecond` messages a second on average, in bursts of up to `perSecond`. Guarantee:
 * of the excess, at most one message per device and second is `refuse` (to be recorded and reported to the
 * device); the rest is `drop`, so a flooding device costs neither a row nor a reply per message.
 */
export class DeviceRateLimit {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(deviceId: string): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(deviceId);
    if (!bucket) this.buckets.set(deviceId, (bucket = { tokens: this.perSecond, filledAt: now, refusedAt: -Infinity }));
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.filledAt) * this.perSecond) / 1000);
    bucket.filledAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 'accept';
    }
    if (now - bucket.refusedAt < 1000) return 'drop';
    bucket.refusedAt = now;
    return 'refuse';
  }

  /** Forgets a device that went offline, so the buckets stay as many as the connected devices. */
  forget(deviceId: string): void {
    this.buckets.delete(deviceId);
  }
}
