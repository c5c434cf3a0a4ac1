import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { CleaveError } from '../errors.js';

/** Hashing for passwords: salted scrypt, stored as `scrypt$N$r$p$salt$hash` (base64url). */
export interface SlowHash {
  /** `deadline` (epoch ms, e.g. the request's): past it, a hash still waiting in the queue is not computed. */
  hash(secret: string, deadline?: number): Promise<string>;
  /** Reads the parameters from the stored hash, so older hashes still verify; a malformed one never matches. */
  verify(secret: string, stored: string, deadline?: number): Promise<boolean>;
  /** Spends the time of one verification, so an unknown account answers as slowly as a wrong secret. */
  spend(secret: string, deadline?: number): Promise<void>;
}

/** Limits of a hash queue. */
export interface HashQueueOptions {
  /** Hashes computed at once. scrypt runs on libuv's thread pool (4 threads), shared with file and DNS work. */
  concurrency: number;
  /** Hashes waiting for a turn; one more fails at once with UNAVAILABLE. */
  maxWaiting: number;
}

export const defaultHashQueue: HashQueueOptions = { concurrency: 2, maxWaiting: 64 };

/**
 * Bounds the slow hashes of a process: at most `concurrency` run at once, so the rest of libuv's thread pool stays
 * free for the file system, DNS and other crypto; at most `maxWaiting` wait, and past that a hash fails at once
 * with `UNAVAILABLE` (HTTP 503) instead of queueing work nobody will wait for.
 */
export class HashQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly options: HashQueueOptions = defaultHashQueue) {}

  /**
   * Runs `work` when a slot is free; rejects with UNAVAILABLE when the queue is full, and with DEADLINE_EXCEEDED
   * when its turn comes after `deadline` (epoch ms), so work nobody waits for any more takes no thread.
   */
  async run<T>(work: () => Promise<T>, deadline?: number): Promise<T> {
    if (this.running >= this.options.concurrency) {
      if (this.waiting.length >= this.options.maxWaiting) {
        throw new CleaveError('UNAVAILABLE', 'too many password checks are waiting; try again shortly');
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new CleaveError('DEADLINE_EXCEEDED', 'the caller stopped waiting before the hash had its turn');
      }
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Hashes running and waiting right now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

const keyLength = 32;

/**
 * A slow hash with scrypt cost `N` (a power of two; r=8, p=1). Secrets are NFC-normalised first. Every derivation
 * goes through `queue` (one per host: see `KernelDeps.hashQueue`); without one it runs unbounded.
 */
export function slowHash(options: { N: number; queue?: HashQueue }): SlowHash {
  const params = { N: options.N, r: 8, p: 1 };
  const scryptOnce = (secret: string, salt: Buffer, scryptOptions: ScryptOptions, length: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const maxmem = 256 * (scryptOptions.N ?? 1) * (scryptOptions.r ?? 8);
      scrypt(secret.normalize('NFC'), salt, length, { ...scryptOptions, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
    });
  const derive = (secret: string, salt: Buffer, scryptOptions: ScryptOptions, length: number, deadline?: number) =>
    options.queue
      ? options.queue.run(() => scryptOnce(secret, salt, scryptOptions, length), deadline)
      : scryptOnce(secret, salt, scryptOptions, length);
  return {
    async hash(secret, deadline) {
      const salt = randomBytes(16);
      const hash = await derive(secret, salt, params, keyLength, deadline);
      return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
    },
    async verify(secret, stored, deadline) {
      const [scheme, N, r, p, salt, hash] = stored.split('$');
      if (scheme !== 'scrypt' || !salt || !hash) return false;
      const expected = Buffer.from(hash, 'base64url');
      const actual = await derive(secret, Buffer.from(salt, 'base64url'), { N: +N, r: +r, p: +p }, expected.length, deadline).catch((err: unknown) => {
        if (err instanceof CleaveError) throw err;
        return undefined;
      });
      return actual !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    async spend(secret, deadline) {
      await derive(secret, randomBytes(16), params, keyLength, deadline);
    },
  };
}
