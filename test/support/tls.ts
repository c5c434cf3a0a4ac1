import { spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';

/** A server certificate issued by a test CA: its files and its SHA-256 fingerprint. */
export interface Issued {
  cert: string;
  key: string;
  fingerprint: string;
}

/** A private certificate authority in a temp dir (readable by the mosquitto user). */
export interface TestCa {
  dir: string;
  /** The CA certificate file, and its PEM. */
  caFile: string;
  ca: string;
  /** Issues a certificate for localhost and 127.0.0.1 named `<name>.crt` / `<name>.key`. */
  issue(name: string): Issued;
  remove(): void;
}

function openssl(cwd: string, ...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes a CA with openssl, as the README shows (with P-256 keys, which are quicker to make than RSA). */
export function makeCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-tls-'));
  chmodSync(dir, 0o755);
  openssl(dir, 'req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Cleave test CA');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const caFile = join(dir, 'ca.crt');
  return {
    dir,
    caFile,
    ca: readFileSync(caFile, 'utf8'),
    issue(name) {
      openssl(dir, 'req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost');
      const serial = `0x${randomBytes(8).toString('hex')}`;
      openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '2', '-extfile', 'san.ext', '-out', `${name}.crt`);
      const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
      chmodSync(key, 0o644);
      return { cert, key, fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The certificate a TLS server on 127.0.0.1:`port` presents to a new connection that trusts `ca`. */
export function peerCertificate(port: number, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ca }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

/** An HTTPS response: status and parsed JSON body (or text). */
export interface HttpsResponse {
  status: number;
  body: unknown;
}

/** Sends a request over HTTPS trusting `ca` only; `body` is sent as JSON. */
export function httpsJson(url: string, options: { ca: string; method?: string; token?: string; body?: unknown }): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const req = https.request(url, { method: options.method ?? 'GET', headers, ca: options.ca, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.once('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}
