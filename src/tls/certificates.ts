import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { rootCertificates, type Server } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from '../config/load.js';

/** Where the server's certificate and private key are: config `tls.cert` and `tls.key`. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/** A certificate (or a chain, leaf first) and its private key, as read from their PEM files. */
export interface CertificatePair {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate's serial number (hex) and SHA-256 fingerprint, for logs. */
  serial: string;
  fingerprint: string;
  validTo: string;
}

function readPem(key: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`config key "${key}" names the file ${file}, which cannot be read (${reason})`);
  }
}

function parseCertificate(key: string, file: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ConfigError(`config key "${key}" names the file ${file}, which holds no PEM certificate`);
  }
}

function parseKey(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new ConfigError(`config key "tls.key" names the file ${file}, which holds no unencrypted PEM private key`);
  }
}

/**
 * Reads a certificate and its key and checks that they pair.
 * @throws {ConfigError} one line naming the config key and the file: unreadable, not PEM, or a key that does not
 * match the certificate.
 */
export function readPair(files: CertificateFiles): CertificatePair {
  const cert = readPem('tls.cert', files.cert);
  const key = readPem('tls.key', files.key);
  const leaf = parseCertificate('tls.cert', files.cert, cert);
  if (!leaf.checkPrivateKey(parseKey(files.key, key))) {
    throw new ConfigError(`config key "tls.key" names the file ${files.key}, whose key does not match the certificate in ${files.cert} (tls.cert)`);
  }
  return { cert, key, serial: leaf.serialNumber, fingerprint: leaf.fingerprint256, validTo: leaf.validTo };
}

/**
 * The certificate authorities to trust for an `mqtts://` or `wss://` broker: the system roots plus the PEM file
 * named by config `key` (`bus.mqtt.ca`, `edge.ca`). Undefined when `file` is empty: Node's default roots.
 * @throws {ConfigError} naming the key and the file when it cannot be read or holds no certificate.
 */
export function trustedCas(key: string, file: string): string[] | undefined {
  if (!file) return undefined;
  const pem = readPem(key, file);
  parseCertificate(key, file, pem);
  return [...rootCertificates, pem.toString('utf8')];
}

/** How often the files are checked for a change, and how long a burst of changes is let settle. */
export interface WatchOptions {
  pollMs: number;
  settleMs: number;
}

const defaultWatch: WatchOptions = { pollMs: 1000, settleMs: 300 };

/**
 * The server certificate of a host, shared by its TLS servers (HTTPS, MQTT over TLS). It watches both files
 * (polling, which also sees a symlink swapped by cert-manager) and, once they have settled and pair, gives new
 * connections the new certificate through `setSecureContext`; live connections keep theirs. A new pair that
 * cannot be read or does not match is logged and the old one kept.
 */
export class ServerCertificates {
  private pair: CertificatePair;
  private readonly servers = new Set<Server>();
  private timer?: NodeJS.Timeout;
  private watching = false;
  private readonly onChange = () => this.changed();

  /** @throws {ConfigError} when the pair cannot be used (see `readPair`). */
  constructor(
    private readonly files: CertificateFiles,
    private readonly log: Logger,
    private readonly watchOptions: WatchOptions = defaultWatch,
  ) {
    this.pair = readPair(files);
  }

  /** The certificate in use. */
  get current(): CertificatePair {
    return this.pair;
  }

  /** Options for `https.createServer` and `tls.createServer`. */
  get secureOptions(): { cert: Buffer; key: Buffer } {
    return { cert: this.pair.cert, key: this.pair.key };
  }

  /** Keeps `server`'s certificate current from now on. */
  serve(server: Server): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    this.watch();
  }

  /** Reads the files again; true when a new pair is now in use. */
  reload(): boolean {
    let next: CertificatePair;
    try {
      next = readPair(this.files);
    } catch (err) {
      this.log.error({ reason: (err as Error).message }, 'the changed TLS certificate was not loaded; keeping the one in use');
      return false;
    }
    if (next.cert.equals(this.pair.cert) && next.key.equals(this.pair.key)) return false;
    this.pair = next;
    for (const server of this.servers) server.setSecureContext(this.secureOptions);
    this.log.info({ serial: next.serial, fingerprint: next.fingerprint, validTo: next.validTo }, 'loaded the renewed TLS certificate');
    return true;
  }

  /** Stops watching the files. */
  close(): void {
    clearTimeout(this.timer);
    if (!this.watching) return;
    this.watching = false;
    fs.unwatchFile(this.files.cert, this.onChange);
    fs.unwatchFile(this.files.key, this.onChange);
  }

  private watch(): void {
    if (this.watching) return;
    this.watching = true;
    for (const file of [this.files.cert, this.files.key]) {
      fs.watchFile(file, { interval: this.watchOptions.pollMs, persistent: false }, this.onChange);
    }
  }

  private changed(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), this.watchOptions.settleMs);
    this.timer.unref();
  }
}
