import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { CleaveConfig } from '../config/schema.js';
import { CleaveError } from '../errors.js';
import { brokerName } from '../mqtt/client.js';
import type { ModuleDefinition } from '../kernel/module.js';
import type { PlannedPort } from '../host/free-ports.js';
import type { Metrics } from '../observability/metrics.js';
import { TrustedProxies } from '../http/forwarded.js';
import { trustedCas, type ServerCertificates } from '../tls/certificates.js';
import type { DynsecCredentials } from './credentials.js';
import type { ExternalBroker } from './external.js';
import { DeviceDelivery } from './delivery.js';
import { DeviceDispatcher } from './dispatcher.js';
import { credentialEventsOf, listenerPortsOf, modulesCalled, type ListenerPorts } from './ports.js';
import { CredentialSync, type BrokerCredentials } from './credential-sync.js';
import type { SecretSeal } from '../kernel/secret-seal.js';

/**
 * The device listener of a host: the embedded broker, or the ingest from an external one, and its dispatcher
 * of device messages to the operations the modules' `ports` and `deviceTopics` name.
 */
export interface EdgeListener {
  /** Port of the embedded broker's plain-text MQTT; none with an external broker or `edge.plaintext` false. */
  port?: number;
  /** Why devices cannot reach Cleave right now (not listening, broker not connected); undefined when they can. */
  health(): string | undefined;
  /** Port of the embedded broker's MQTT over TLS; none without `tls.cert` and `tls.key`. */
  tlsPort?: number;
  close(): Promise<void>;
}

/** The modules the listener calls and this process lacks: none over MQTT, the unhosted ones on the in-process bus. */
function missingHere(ports: ListenerPorts, hosted: string[], remote: boolean): string[] {
  if (remote) return [];
  return modulesCalled(ports).filter((name) => !hosted.includes(name));
}

/** The outboxes the listener can reach: all over MQTT, the hosted ones' on the in-process bus. */
function outboxesReached(ports: ListenerPorts, hosted: string[], remote: boolean) {
  return ports.outboxes.filter((outbox) => remote || hosted.includes(outbox.module));
}

/** True when `startEdge` will run a device listener in this process. */
export function listensHere(options: Pick<EdgeOptions, 'config' | 'modules' | 'hosted'> & { remote: boolean }): boolean {
  if (options.config.edge.broker === 'off') return false;
  return missingHere(listenerPortsOf(options.modules), options.hosted, options.remote).length === 0;
}

/**
 * The credential subscriber of the listener `startEdge` will run here, subscribed now: call it before the
 * modules' outboxes relay. Undefined when no listener runs here.
 */
export function credentialSync(options: Pick<EdgeOptions, 'config' | 'modules' | 'hosted' | 'bus' | 'log'> & { seal: SecretSeal }): CredentialSync | undefined {
  const { bus, modules, seal, log } = options;
  if (!listensHere({ ...options, remote: bus.transport.remote })) return undefined;
  return new CredentialSync({ transport: bus.transport, events: credentialEventsOf(modules), seal, log: log.child({ component: 'credentials' }) });
}

/** The device ports a host's edge listener will listen on, so that the host can check them before it starts. */
export function plannedEdgePorts(options: Pick<EdgeOptions, 'config' | 'modules' | 'hosted'> & { remote: boolean }): PlannedPort[] {
  const { config } = options;
  if (config.edge.broker !== 'embedded') return [];
  if (missingHere(listenerPortsOf(options.modules), options.hosted, options.remote).length) return [];
  const otherwise = 'or turn the broker off with --edge off';
  const { port, tlsPort, host, plaintext } = config.edge;
  const plain = plaintext ? [{ what: 'edge broker port', port, host, change: '--edge-port or CLEAVE_EDGE_PORT', otherwise }] : [];
  const secure = config.tls.cert ? [{ what: 'edge broker port', port: tlsPort, host, change: '--edge-tls-port or CLEAVE_EDGE_TLS_PORT', otherwise }] : [];
  return [...plain, ...secure];
}

export interface EdgeOptions {
  config: CleaveConfig;
  modules: ModuleDefinition[];
  /** Names of the modules this host runs. */
  hosted: string[];
  bus: Bus;
  http?: HttpServer;
  /** The URL of `http`, to say where MQTT over WebSocket is served. */
  httpUrl?: string;
  /** The host's certificate: the embedded broker adds MQTT over TLS on `edge.tlsPort`. */
  certificates?: ServerCertificates;
  log: Logger;
  metrics: Metrics;
  /** The host's instance id: names its session on an external broker. */
  instanceId: string;
  /** The credential subscriber, made by `credentialSync` before the modules started: the listener starts it. */
  credentials?: CredentialSync;
}

/**
 * Starts the edge listener named by config `edge.broker`: `embedded` runs the aedes broker on `edge.port`
 * (unless `edge.plaintext` is false), on `edge.tlsPort` over TLS when the host has a certificate, and over
 * WebSocket at `/mqtt` of the HTTP server (WSS when it serves HTTPS); `external` ingests from the MQTT 5 broker at
 * `edge.url` (Mosquitto with dynamic security); `off` runs nothing.
 */
export async function startEdge(options: EdgeOptions): Promise<EdgeListener | undefined> {
  const { config, modules, bus, log, metrics } = options;
  if (config.edge.broker === 'off') return undefined;
  const ports = listenerPortsOf(modules);
  const missing = missingHere(ports, options.hosted, bus.transport.remote);
  if (missing.length) {
    log.warn({ missing }, `edge broker not started: it needs ${missing.join(' and ')} in this process on the in-process bus (add them to --modules, or use --edge off)`);
    return undefined;
  }
  let send: ((topic: string, payload: string) => void) | undefined;
  const dispatcher = new DeviceDispatcher({
    bus,
    ports,
    log,
    metrics,
    maxPayloadBytes: config.edge.maxPayloadBytes,
    maxMessagesPerSecond: config.edge.maxMessagesPerSecond,
    batch: config.edge.batch,
    sendToDevice: (topic, payload) => send?.(topic, payload),
  });
  let deliver: ((deviceId: string, topic: string, payload: string) => boolean) | undefined;
  const outboxes = outboxesReached(ports, options.hosted, bus.transport.remote);
  const delivery = outboxes.length ? new DeviceDelivery({ bus, outboxes, log, send: (...args) => deliver?.(...args) ?? false }) : undefined;
  const syncCredentials = (broker: BrokerCredentials) => options.credentials?.start(broker);
  if (config.edge.broker === 'external') {
    const external = await startExternal(dispatcher, options, ports);
    send = external.sendToDevice;
    deliver = (deviceId, topic, payload) => external.deliver(deviceId, topic, payload, () => delivery?.acknowledged(deviceId, topic, payload));
    delivery?.listen();
    syncCredentials({ issued: async (id, secret) => external.credentials.set(id, secret()), revoked: (id) => external.credentials.revoke(id) });
    return { health: () => external.health(), close: () => external.close() };
  }
  const { certificates } = options;
  // The broker's libraries (aedes, ws) load only where it runs; likewise mqtt.js for an external one.
  const { startEmbeddedBroker } = await import('./embedded.js');
  const broker = await startEmbeddedBroker({
    dispatcher,
    port: config.edge.plaintext ? config.edge.port : undefined,
    tls: certificates && { port: config.edge.tlsPort, certificates },
    host: config.edge.host,
    http: options.http,
    log,
    metrics,
    limits: edgeLimits(config),
    delivery,
  });
  send = broker.sendToDevice;
  deliver = broker.deliver;
  delivery?.listen();
  // Logins are checked against the devices' stores: a new secret, or none, needs only the live connection closed,
  // unless it logged in with the new secret already. A secret that cannot be opened closes it all the same.
  const opened = (secret: () => string) => {
    try {
      return secret();
    } catch {
      return undefined;
    }
  };
  syncCredentials({ issued: async (id, secret) => broker.disconnect(id, opened(secret)), revoked: async (id) => broker.disconnect(id) });
  const websocket = options.httpUrl && `${options.httpUrl.replace(/^http/, 'ws')}/mqtt`;
  log.info({ mqtt: broker.port, mqtts: broker.tlsPort, websocket }, 'edge broker is listening');
  return { port: broker.port, tlsPort: broker.tlsPort, health: () => broker.health(), close: () => broker.close() };
}

/**
 * The embedded broker's limits from config. After login a packet may carry a payload of up to twice
 * `edge.maxPayloadBytes` plus 64 KiB of topic and headers: within that, an oversized payload is acknowledged and
 * refused as PAYLOAD_TOO_LARGE; past it, the connection is closed before the packet is read.
 */
export function edgeLimits(config: CleaveConfig) {
  const { maxPayloadBytes, connectTimeoutMs, connectsPerSecondPerAddress } = config.edge;
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = new TrustedProxies(config.http.trustProxy);
  } catch (err) {
    throw new CleaveError('INVALID_ARGUMENT', `http.trustProxy: ${(err as Error).message}`);
  }
  const maxPacketBytes = Math.min(268_435_455, 2 * maxPayloadBytes + 65_536);
  return { maxPacketBytes, connectTimeoutMs, connectsPerSecondPerAddress, trustedProxies };
}

/**
 * Grants Cleave's user its role in the broker, then ingests through a shared subscription; `credentials` is the
 * dynamic-security client the credential subscriber provisions devices with, closed with the ingest.
 */
async function startExternal(
  dispatcher: DeviceDispatcher,
  options: EdgeOptions,
  ports: ListenerPorts,
): Promise<ExternalBroker & { credentials: DynsecCredentials }> {
  const { config, instanceId, log } = options;
  const [{ brokerUser, DynsecCredentials, dynsecClient }, { startExternalBroker }] = await Promise.all([import('./credentials.js'), import('./external.js')]);
  const url = config.edge.url;
  const ca = trustedCas('edge.ca', config.edge.ca);
  const credentials = new DynsecCredentials(dynsecClient(url, { instanceId, log, ca }), ports.outboxKinds);
  try {
    await credentials.grantEdgeRole(brokerUser(url)!);
    const receiveMaximum = 2 * config.edge.batch.maxMessages;
    const broker = await startExternalBroker({ dispatcher, url, ca, clientId: `cleave-edge-${instanceId}`, receiveMaximum, log });
    log.info({ broker: brokerName(url) }, 'ingesting from the external device broker');
    const close = async () => {
      await broker.close();
      await credentials.close();
    };
    return { ...broker, close, credentials };
  } catch (err) {
    await credentials.close();
    throw err;
  }
}
