import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';

/** Characters of the tail a seal adds: `,"sig":"` + 43 base64url characters (HMAC-SHA256) + `"}`. */
const tailLength = 53;
const tailStart = Buffer.from(',"sig":"');
const macLength = 43;
/** The shortest key `bus.key` accepts. */
export const minBusKeyLength = 32;

/**
 * Guarantee: a sealed message was sent by a holder of the deployment's bus key, byte for byte. The seal is
 * HMAC-SHA256 over the exact JSON sent, appended as a last field `sig`, so the envelope stays one readable
 * JSON object: `{...,"sig":"<base64url>"}`. The MAC key is derived from the bus key and the namespace, so a
 * message of one namespace does not open in another that shares the key.
 */
export class BusSeal {
  private readonly key: Buffer;

  constructor(busKey: string, namespace: string) {
    if (busKey.length < minBusKeyLength) throw new Error(`the bus key must have at least ${minBusKeyLength} characters`);
    this.key = createHmac('sha256', busKey).update(`cleave-bus/${namespace}`).digest();
  }

  /** Seals the JSON text of an object (`{...}`, not empty): the same object with a `sig` field last. */
  seal(json: string): string {
    const mac = createHmac('sha256', this.key).update(json).digest('base64url');
    return `${json.slice(0, -1)},"sig":"${mac}"}`;
  }

  /** The parsed object a valid seal covers (without `sig`), or undefined for a missing or wrong seal. */
  open<T>(payload: Buffer): T | undefined {
    const text = this.unseal(payload);
    return text === undefined ? undefined : parseJson<T>(text);
  }

  /** The JSON text a valid seal covers (without `sig`), or undefined for a missing or wrong seal. */
  unseal(payload: Buffer): string | undefined {
    const end = payload.length - tailLength;
    if (end < 1 || payload[payload.length - 1] !== 0x7d || payload[payload.length - 2] !== 0x22) return undefined;
    if (!payload.subarray(end, end + tailStart.length).equals(tailStart)) return undefined;
    const given = Buffer.from(payload.toString('latin1', end + tailStart.length, end + tailStart.length + macLength), 'base64url');
    const mac = createHmac('sha256', this.key).update(payload.subarray(0, end)).update('}').digest();
    if (given.length !== mac.length || !timingSafeEqual(given, mac)) return undefined;
    return `${payload.toString('utf8', 0, end)}}`;
  }
}

/** The value of a JSON text, or undefined when it is not JSON. */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The longest a request may ask to be remembered for: a deadline further away is refused. */
export const maxRequestWindowMs = 3_600_000;

/**
 * Guarantee: a request is handled at most once by this process, and never after its deadline. Request ids are
 * remembered until their deadline; a request without a deadline, past it, or further than `maxRequestWindowMs`
 * ahead is refused, so the memory is bounded by the requests of the last hour.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private sweptAt = 0;

  /** True when the request `id` with `deadline` is new and live; it is then remembered. */
  admit(id: string, deadline: unknown, now = Date.now()): boolean {
    if (typeof deadline !== 'number' || deadline < now || deadline > now + maxRequestWindowMs) return false;
    if (now - this.sweptAt > 1000) this.sweep(now);
    if (this.seen.has(id)) return false;
    this.seen.set(id, deadline);
    return true;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [id, deadline] of this.seen) if (deadline < now) this.seen.delete(id);
  }
}

/** Counts dropped messages and logs them at most once a second, with how many were dropped since. */
export class DropLog {
  private dropped = 0;
  private loggedAt = 0;

  constructor(private readonly log: Logger) {}

  /** Total messages dropped so far. */
  get count(): number {
    return this.dropped;
  }

  drop(topic: string, why: string): void {
    this.dropped += 1;
    const now = Date.now();
    if (now - this.loggedAt < 1000) return;
    this.loggedAt = now;
    this.log.warn({ topic, dropped: this.dropped }, `dropped a bus message: ${why}`);
  }
}
