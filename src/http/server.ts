import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { ServerCertificates } from '../tls/certificates.js';
import { portError } from '../host/free-ports.js';

/** A listening HTTP server. */
export interface HttpServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`, or `https://…` with a certificate. */
  url: string;
  /** The bound port (useful after listening on port 0). */
  port: number;
  /** The node server (an `https.Server` with a certificate), for protocol upgrades such as MQTT over WebSocket. */
  server: http.Server | https.Server;
  /**
   * Stops accepting connections, lets in-flight requests finish, closes idle keep-alive connections,
   * and destroys whatever is still open after `timeoutMs`.
   */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Serves `app` on `host:port`: HTTPS only when `certificates` is given (kept current as they are renewed), else
 * HTTP. Rejects with a one-line message when the port is taken.
 */
export function listen(app: Koa, port: number, host: string, certificates?: ServerCertificates): Promise<HttpServer> {
  const server = certificates ? https.createServer(certificates.secureOptions, app.callback()) : http.createServer(app.callback());
  const inFlight = new Map<Socket, number>();
  // Every TCP connection, also one still in its TLS handshake, so that a stop never waits for a silent client.
  const connections = new Set<Socket>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  // Requests arrive on the TLS socket, which an HTTPS server announces once its handshake is done.
  server.on(certificates ? 'secureConnection' : 'connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      if (!inFlight.has(socket)) return;
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroySoon();
    });
  });

  let closed: Promise<void> | undefined;
  const close = (timeoutMs: number) =>
    (closed ??= new Promise<void>((resolve) => {
      closing = true;
      const timer = setTimeout(() => {
        for (const socket of [...inFlight.keys(), ...connections]) socket.destroy();
      }, timeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const [socket, count] of inFlight) if (count === 0) socket.destroySoon();
    }));

  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(portError({ what: 'HTTP port', port, host, change: '--http-port or CLEAVE_HTTP_PORT' }, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      if (certificates) certificates.serve(server as https.Server);
      const address = server.address() as AddressInfo;
      const reachable = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.address;
      const urlHost = reachable.includes(':') ? `[${reachable}]` : reachable;
      resolve({ url: `${certificates ? 'https' : 'http'}://${urlHost}:${address.port}`, port: address.port, server, close });
    });
  });
}
