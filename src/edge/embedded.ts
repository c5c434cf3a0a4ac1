import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Metrics } from '../observability/metrics.js';
import type { TrustedProxies } from '../http/forwarded.js';
import type { ServerCertificates } from '../tls/certificates.js';
import { ConnectionGuard } from './guard.js';
import type { DeviceDelivery } from './delivery.js';
import { DeviceDispatcher, TopicNotAllowed } from './dispatcher.js';
import { PacketLimit, type PacketLimitBreach } from './packet-limit.js';
import { isDeviceId } from './topics.js';
import { portError } from '../host/free-ports.js';

export interface EmbeddedBrokerOptions {
  dispatcher: DeviceDispatcher;
  /** Messages modules queue for devices: sent when a device subscribes to them, confirmed by its PUBACK. */
  delivery?: DeviceDelivery;
  /** Port of plain-text MQTT; none runs no plain-text listener. */
  port?: number;
  /** MQTT over TLS on its own port, with the host's certificate. */
  tls?: { port: number; certificates: ServerCertificates };
  host: string;
  /** The HTTP server: MQTT over WebSocket is served on its `/mqtt` path (WSS when it is an HTTPS server). */
  http?: HttpServer;
  log: Logger;
  metrics: Metrics;
  /** Limits before and after a device logs in. */
  limits: EmbeddedBrokerLimits;
}

/** What an unauthenticated or misbehaving connection may cost. */
export interface EmbeddedBrokerLimits {
  /** Largest remaining length of a packet after login; a larger one closes the connection before it is read. */
  maxPacketBytes: number;
  /** Time from accept to a successful CONNECT. */
  connectTimeoutMs: number;
  /** Connections accepted per address per second, on every listener. */
  connectsPerSecondPerAddress: number;
  /** Proxies whose X-Forwarded-For names a WebSocket device's address. */
  trustedProxies: TrustedProxies;
}

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** The bound port of plain-text MQTT, if it runs. */
  port?: number;
  /** The bound port of MQTT over TLS, if it runs. */
  tlsPort?: number;
  /** Closes the live connection of a device, if any, unless it logged in with the secret `unless`. */
  disconnect(deviceId: string, unless?: string): void;
  /** Publishes a message to a device's topic (QoS 1, not retained). */
  sendToDevice(topic: string, payload: string): void;
  /** Publishes a queued message to a connected device (QoS 1); false when it is not connected. */
  deliver(deviceId: string, topic: string, payload: string): boolean;
  /** Why devices cannot connect right now; undefined while the port listens. */
  health(): string | undefined;
  close(): Promise<void>;
}

/** aedes' publish as it is called: by its protocol handlers with the publishing client, by Cleave with a callback only. */
type AedesPublish = (packet: unknown, client: object | ((err?: Error) => void) | null, done?: (err?: Error) => void) => void;

/** What the broker remembers of the secret a connection logged in with: its SHA-256, never the secret. */
const digestOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/**
 * Device connections send each write at once (Nagle's algorithm off). With it on, a PUBACK written while the one
 * before it was not yet acknowledged by the device's TCP stack waited for the device's next packet: at 150
 * messages a second a device saw its acknowledgements 2 to 3 ms later than Cleave wrote them.
 */
const unbuffered = { noDelay: true };

/** An error whose CONNACK return code aedes sends: 2 identifier rejected, 3 unavailable, 4 bad credentials, 5 not authorised. */
const refusal = (returnCode: number, message: string) => Object.assign(new Error(message), { returnCode });

/**
 * The embedded MQTT 3.1.1 broker (aedes) for devices, on TCP and WebSocket. Its hooks authenticate devices
 * through the dispatcher, keep each device inside its own topics, and hold every QoS 1 PUBACK until the
 * message is handed over (or its refusal recorded) (aedes writes the PUBACK after `authorizePublish` calls back).
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { dispatcher, delivery, log, metrics, limits } = options;
  const guard = new ConnectionGuard({ connectsPerSecond: limits.connectsPerSecondPerAddress });
  const { connectTimeoutMs: connectTimeout } = limits;
  const broker = await Aedes.createBroker({ maxClientsIdLength: 64, drainTimeout: 30_000, heartbeatInterval: 3_600_000, connectTimeout });
  const addressOf = (client: Client) => (client.conn as PacketLimit).remoteAddress;
  const stages = new Set<PacketLimit>();
  const loggedInWith = new WeakMap<Client, Buffer>();

  /** Counts a new connection of `address`; false when the address connects too often. */
  const admit = (address: string) => {
    if (guard.allowConnect(address)) return true;
    metrics.edgeAuthFailures.inc({ reason: 'rate' });
    return false;
  };
  /** Hands an admitted connection to aedes behind its packet limit. */
  const accept = (conn: Duplex, remoteAddress: string) => {
    const onBreach = (reason: PacketLimitBreach, declared?: number) => {
      metrics.edgeAuthFailures.inc({ reason });
      log.debug({ address: remoteAddress, reason, declared }, 'a device connection broke a limit; closed');
    };
    const stage = new PacketLimit(conn, { maxPacketBytes: limits.maxPacketBytes, connectTimeoutMs: connectTimeout, remoteAddress, onBreach });
    stages.add(stage);
    stage.once('close', () => stages.delete(stage));
    broker.handle(stage as never);
  };
  const peer = (socket: Socket) => socket.remoteAddress ?? 'unknown';

  broker.authenticate = (client, username, password, done) => {
    const id = client.id;
    const address = addressOf(client);
    if (!isDeviceId(id) || username !== id) {
      metrics.edgeAuthFailures.inc({ reason: 'client_id' });
      return done(refusal(2, 'the client id must be the device id and equal the username'), false);
    }
    if (guard.blocked(address, id)) {
      metrics.edgeAuthFailures.inc({ reason: 'blocked' });
      return done(refusal(5, 'too many failed logins; try again later'), false);
    }
    const secret = password?.toString('utf8') ?? '';
    dispatcher.authenticate(id, secret).then(
      (ok) => {
        if (ok) {
          loggedInWith.set(client, digestOf(secret));
          guard.succeeded(address, id);
          (client.conn as PacketLimit).authenticated();
          return done(null, true);
        }
        guard.failed(address, id);
        metrics.edgeAuthFailures.inc({ reason: 'credentials' });
        done(refusal(4, 'bad device id or secret'), false);
      },
      (err: unknown) => {
        log.warn({ err, deviceId: id }, 'device authentication is unavailable');
        done(refusal(3, 'authentication is unavailable'), false);
      },
    );
  };

  broker.authorizePublish = (client, packet, done) => {
    if (!client) return done(new Error('no client'));
    const retain = packet.retain;
    packet.retain = false;
    dispatcher.handle(client.id, packet.topic, packet.payload as Buffer, retain).then(
      () => done(null),
      (err: unknown) => {
        if (err instanceof TopicNotAllowed) log.warn({ deviceId: client.id, topic: packet.topic }, 'device published outside its topics; disconnected');
        else log.error({ err, deviceId: client.id }, 'device message not committed; not acknowledged');
        done(err as Error);
      },
    );
  };

  // A device's message (or its will) is Cleave's once authorised: devices talk to Cleave, never to each other,
  // so aedes forwards none of them, and a device cannot put words on a topic Cleave writes to it. Cleave's own
  // messages and $SYS come with no client and go out as usual. Routing nothing also spares the topic matching.
  const forward = broker.publish.bind(broker) as AedesPublish;
  (broker as unknown as { publish: AedesPublish }).publish = (packet, client, done) => {
    if (client && typeof client === 'object') return done?.();
    forward(packet, client, done);
  };

  broker.authorizeSubscribe = (client, subscription, done) => {
    done(null, client && dispatcher.maySubscribe(client.id, subscription.topic) ? subscription : null);
  };

  broker.on('clientReady', (client) => {
    metrics.edgeConnections.inc();
    void dispatcher.presence(client.id, true);
    // A persistent session comes back with its subscriptions: what waits for the device goes now.
    if (delivery && Object.keys((client as Client & { subscriptions?: object }).subscriptions ?? {}).some((filter) => delivery.covers(client.id, filter))) delivery.wanted(client.id);
  });
  broker.on('clientDisconnect', (client) => {
    metrics.edgeConnections.dec();
    const current = (broker as unknown as { clients: Record<string, Client> }).clients[client.id];
    if (current && current !== client) return;
    void dispatcher.presence(client.id, false);
    delivery?.forget(client.id);
  });
  broker.on('subscribe', (subscriptions, client) => {
    if (!client || !delivery) return;
    if (subscriptions.some((sub) => (sub.qos as number) !== 128 && delivery.covers(client.id, sub.topic))) delivery.subscribed(client.id);
  });
  broker.on('ack', (packet, client) => {
    if (!client || !delivery || !packet || !('topic' in packet) || !packet.topic) return;
    delivery.acknowledged(client.id, packet.topic, Buffer.from(packet.payload).toString('utf8'));
  });

  const listeners: Server[] = [];
  const close = () => Promise.all(listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  let port: number | undefined;
  let tlsPort: number | undefined;
  try {
    if (options.port !== undefined) {
      const tcp = createServer(unbuffered, (socket) => (admit(peer(socket)) ? accept(socket, peer(socket)) : socket.destroy()));
      listeners.push(tcp);
      port = await listenTcp(tcp, options.port, options.host, '--edge-port or CLEAVE_EDGE_PORT');
    }
    if (options.tls) {
      const secureOptions = { ...options.tls.certificates.secureOptions, ...unbuffered, handshakeTimeout: connectTimeout };
      const secure = createTlsServer(secureOptions, (socket) => accept(socket, peer(socket)));
      // Admitted at accept, before the handshake, so that a refused address costs no TLS work.
      secure.on('connection', (socket: Socket) => admit(peer(socket)) || socket.destroy());
      secure.on('tlsClientError', (err, socket) => log.debug({ err: err.message, address: socket.remoteAddress }, 'a device connection failed its TLS handshake'));
      listeners.push(secure);
      tlsPort = await listenTcp(secure, options.tls.port, options.host, '--edge-tls-port or CLEAVE_EDGE_TLS_PORT');
      options.tls.certificates.serve(secure);
    }
  } catch (err) {
    await close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  // ws would otherwise buffer frames of up to 100 MiB before the packet limit sees them.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPacketBytes + 5 });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url !== '/mqtt') return socket.destroy();
    const client = limits.trustedProxies.clientAddress(req);
    if (!admit(client)) return socket.destroy();
    (socket as Socket).setNoDelay?.(true);
    wss.handleUpgrade(req, socket, head, (ws) => accept(createWebSocketStream(ws), client));
  };
  options.http?.on('upgrade', upgrade);

  return {
    port,
    tlsPort,
    health: () => (listeners.every((server) => server.listening) ? undefined : 'a device port is not listening'),
    disconnect(deviceId, unless) {
      const client = (broker as unknown as { clients: Record<string, Client | undefined> }).clients[deviceId];
      const used = client && loggedInWith.get(client);
      if (used && unless !== undefined && timingSafeEqual(used, digestOf(unless))) return;
      client?.close();
    },
    sendToDevice(topic, payload) {
      const packet = { cmd: 'publish' as const, topic, payload: Buffer.from(payload), qos: 1 as const, retain: false, dup: false };
      broker.publish(packet, (err) => {
        if (err) log.warn({ err, topic }, 'could not send a message to a device');
      });
    },
    deliver(deviceId, topic, payload) {
      const client = (broker as unknown as { clients: Record<string, Client | undefined> }).clients[deviceId];
      if (!client?.connected) return false;
      const packet = { cmd: 'publish' as const, topic, payload: Buffer.from(payload), qos: 1 as const, retain: false, dup: false };
      broker.publish(packet, (err) => {
        if (err) log.warn({ err, deviceId, topic }, 'could not send a queued message to a device');
      });
      return true;
    },
    async close() {
      options.http?.off('upgrade', upgrade);
      const closed = close();
      for (const stage of stages) if (!stage.isAuthenticated) stage.destroy();
      await dispatcher.drained();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const ws of wss.clients) ws.terminate();
      await closed;
    },
  };
}

/** Listens on `host:port`; `change` names where the port is chosen, for the message when it is taken. */
function listenTcp(server: Server, port: number, host: string, change: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(portError({ what: 'edge broker port', port, host, change, otherwise: 'or turn the broker off with --edge off' }, err));
    });
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}
