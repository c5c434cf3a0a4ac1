import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Envelope } from '../bus/envelope.js';
import type { CleaveConfig } from '../config/schema.js';
import { CleaveError } from '../errors.js';
import type { ModuleDefinition } from '../kernel/module.js';
import type { PlannedPort } from '../kernel/ports.js';
import type { Metrics } from '../observability/metrics.js';
import { brokerUser, DynsecCredentials, dynsecClient } from './credentials.js';
import { brokerName } from './dynsec.js';
import { startEmbeddedBroker } from './embedded.js';
import { startExternalBroker, type ExternalBroker } from './external.js';
import { EdgeGateway, type EdgeProviders } from './gateway.js';

/** The edge listener of a host: the embedded broker, or the ingest from an external one, and its gateway to the modules. */
export interface EdgeListener {
  /** TCP port of the embedded broker; none with an external broker. */
  port?: number;
  /** Why devices cannot reach Cleave right now (not listening, broker not connected); undefined when they can. */
  health(): string | undefined;
  close(): Promise<void>;
}

type Capability = keyof EdgeProviders;

function provider(modules: ModuleDefinition[], capability: Capability): { module: string; operation: string } {
  const found = modules.find((m) => m.provides?.[capability]);
  if (!found) {
    throw new CleaveError('UNAVAILABLE', `the edge listener needs a module that provides "${capability}"; none in this build (use --edge off)`);
  }
  return { module: found.contract.name, operation: found.provides![capability]! };
}

function providersOf(modules: ModuleDefinition[]): EdgeProviders {
  return {
    deviceAuth: provider(modules, 'deviceAuth'),
    devicePresence: provider(modules, 'devicePresence'),
    ingest: provider(modules, 'ingest'),
  };
}

/** The providers the edge listener needs in this process: all of them on the in-process bus, none over MQTT. */
function missingHere(providers: EdgeProviders, hosted: string[], remote: boolean): string[] {
  if (remote) return [];
  return [...new Set(Object.values(providers).map((p) => p.module))].filter((name) => !hosted.includes(name));
}

/** The device ports a host's edge listener will listen on, so that the host can check them before it starts. */
export function plannedEdgePorts(options: Pick<EdgeOptions, 'config' | 'modules' | 'hosted'> & { remote: boolean }): PlannedPort[] {
  const { config } = options;
  if (config.edge.broker !== 'embedded') return [];
  const providers = providersOf(options.modules);
  if (missingHere(providers, options.hosted, options.remote).length) return [];
  const change = '--edge-port or CLEAVE_EDGE_PORT';
  return [{ what: 'edge broker port', port: config.edge.port, host: config.edge.host, change, otherwise: 'or turn the broker off with --edge off' }];
}

export interface EdgeOptions {
  config: CleaveConfig;
  modules: ModuleDefinition[];
  /** Names of the modules this host runs. */
  hosted: string[];
  bus: Bus;
  http?: HttpServer;
  log: Logger;
  metrics: Metrics;
  /** The host's instance id: names its session on an external broker. */
  instanceId: string;
}

/**
 * Starts the edge listener named by config `edge.broker`: `embedded` runs the aedes broker on `edge.port`
 * (and MQTT over WebSocket at `/mqtt` of the HTTP server); `external` ingests from the MQTT 5 broker at
 * `edge.url` (Mosquitto with dynamic security); `off` runs nothing.
 */
export async function startEdge(options: EdgeOptions): Promise<EdgeListener | undefined> {
  const { config, modules, bus, log, metrics } = options;
  if (config.edge.broker === 'off') return undefined;
  const providers = providersOf(modules);
  const missing = missingHere(providers, options.hosted, bus.transport.remote);
  if (missing.length) {
    log.warn({ missing }, `edge broker not started: it needs ${missing.join(' and ')} in this process on the in-process bus (add them to --modules, or use --edge off)`);
    return undefined;
  }
  let send: ((topic: string, payload: string) => void) | undefined;
  const gateway = new EdgeGateway({
    bus,
    providers,
    log,
    metrics,
    maxPayloadBytes: config.edge.maxPayloadBytes,
    maxMessagesPerSecond: config.edge.maxMessagesPerSecond,
    batch: config.edge.batch,
    sendToDevice: (topic, payload) => send?.(topic, payload),
  });
  if (config.edge.broker === 'external') {
    const external = await startExternal(gateway, options);
    send = external.sendToDevice;
    return { health: () => external.health(), close: () => external.close() };
  }
  const broker = await startEmbeddedBroker({ gateway, port: config.edge.port, host: config.edge.host, http: options.http, log, metrics });
  send = broker.sendToDevice;
  const revoker = modules.find((m) => m.provides?.deviceRevoked);
  if (revoker) {
    const close = async (events: Envelope[]) => {
      for (const event of events) broker.disconnect((event.data as { id: string }).id);
    };
    for (const event of [revoker.provides!.deviceRevoked!].flat()) bus.transport.subscribe('edge', revoker.contract.name, event, close);
  }
  log.info({ port: broker.port, websocket: options.http ? '/mqtt' : undefined }, 'edge broker is listening');
  return { port: broker.port, health: () => broker.health(), close: () => broker.close() };
}

/** Grants Cleave's user its role in the broker, then ingests through a shared subscription. */
async function startExternal(gateway: EdgeGateway, options: EdgeOptions): Promise<ExternalBroker> {
  const { config, instanceId, log } = options;
  const url = config.edge.url;
  const credentials = new DynsecCredentials(dynsecClient(url, { instanceId, log }));
  try {
    await credentials.grantEdgeRole(brokerUser(url)!);
  } finally {
    await credentials.close();
  }
  const receiveMaximum = 2 * config.edge.batch.maxMessages;
  const broker = await startExternalBroker({ gateway, url, clientId: `cleave-edge-${instanceId}`, receiveMaximum, log });
  log.info({ broker: brokerName(url) }, 'ingesting from the external device broker');
  return broker;
}
