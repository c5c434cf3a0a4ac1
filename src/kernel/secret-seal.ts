import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CleaveError } from '../errors.js';

/** A device secret sealed by `SecretSeal.seal`: `v1.<iv>.<ciphertext>.<tag>`, each part base64url. */
export type SealedSecret = string;

/** Seals a device's secret so that only the kernel's credential subscriber can open it (see `SecretSeal`). */
export type SealSecret = (deviceId: string, secret: string) => SealedSecret;

const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;
const info = 'cleave/device-secret/v1';

/**
 * Guarantee: a sealed secret opens only under the key that sealed it and only for the device it was sealed for;
 * a ciphertext altered in any byte, or sealed under another key, is refused with INVALID_ARGUMENT naming the
 * device. AES-256-GCM with a random 96-bit IV per seal, the device id as additional data, and a key derived
 * with HKDF-SHA256 from the key material: the deployment's `bus.key` (every process of an MQTT-bus deployment
 * holds it), or without one, random bytes the host makes at start and keeps only in memory.
 */
export class SecretSeal {
  private readonly key: Buffer;

  constructor(material: string | Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), info, 32));
  }

  /** A seal under a key that lives only in this process: what it sealed cannot be opened after a restart. */
  static inMemory(): SecretSeal {
    return new SecretSeal(randomBytes(32));
  }

  /** Seals `secret` for `deviceId`. */
  readonly seal: SealSecret = (deviceId, secret) => {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagBytes });
    cipher.setAAD(Buffer.from(deviceId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [version, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  };

  /** The secret `sealed` holds for `deviceId`; INVALID_ARGUMENT when it was altered or sealed under another key. */
  open(deviceId: string, sealed: SealedSecret): string {
    const refused = () =>
      new CleaveError('INVALID_ARGUMENT', `the sealed secret of device "${deviceId}" cannot be opened: it was altered, or sealed under another key (another bus.key, or a process that has restarted since)`);
    const parts = sealed.split('.');
    const [iv, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
    if (parts.length !== 4 || parts[0] !== version || iv.length !== ivBytes || tag.length !== tagBytes) throw refused();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(deviceId, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw refused();
    }
  }
}
