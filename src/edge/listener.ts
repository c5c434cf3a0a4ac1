import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Envelope } from '../bus/envelope.js';
import type { CleaveConfig } from '../config/schema.js';
import { CleaveError } from '../errors.js';
import type { ModuleDefinition } from '../kernel/module.js';
import type { Metrics } from '../observability/metrics.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded.js';
import { EdgeGateway, type EdgeProviders } from './gateway.js';

/** The edge listener of a host: the embedded broker and its gateway to the modules. */
export interface EdgeListener {
  /** TCP port of the embedded broker. */
  port: number;
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

/**
 * Starts the edge listener named by config `edge.broker`: `embedded` runs the aedes broker on `edge.port`
 * (and MQTT over WebSocket at `/mqtt` of the HTTP server); `off` runs nothing.
 */
export async function startEdge(options: {
  config: CleaveConfig;
  modules: ModuleDefinition[];
  /** Names of the modules this host runs. */
  hosted: string[];
  bus: Bus;
  http?: HttpServer;
  log: Logger;
  metrics: Metrics;
}): Promise<EdgeListener | undefined> {
  const { config, modules, bus, log, metrics } = options;
  if (config.edge.broker === 'off') return undefined;
  if (config.edge.broker === 'external') {
    throw new CleaveError('UNAVAILABLE', 'the external edge broker is not available yet in this build; use --edge embedded or --edge off');
  }
  const providers: EdgeProviders = {
    deviceAuth: provider(modules, 'deviceAuth'),
    devicePresence: provider(modules, 'devicePresence'),
    ingest: provider(modules, 'ingest'),
  };
  const missing = [...new Set(Object.values(providers).map((p) => p.module))].filter((name) => !options.hosted.includes(name));
  if (missing.length && !bus.transport.remote) {
    log.warn({ missing }, `edge broker not started: it needs ${missing.join(' and ')} in this process on the in-process bus (add them to --modules, or use --edge off)`);
    return undefined;
  }
  let broker: EmbeddedBroker | undefined;
  const gateway = new EdgeGateway({
    bus,
    providers,
    log,
    metrics,
    maxPayloadBytes: config.edge.maxPayloadBytes,
    batch: config.edge.batch,
    sendToDevice: (topic, payload) => broker?.sendToDevice(topic, payload),
  });
  broker = await startEmbeddedBroker({ gateway, port: config.edge.port, host: config.edge.host, http: options.http, log, metrics });
  const revoker = modules.find((m) => m.provides?.deviceRevoked);
  if (revoker) {
    const close = async (events: Envelope[]) => {
      for (const event of events) broker?.disconnect((event.data as { id: string }).id);
    };
    bus.transport.subscribe('edge', revoker.contract.name, revoker.provides!.deviceRevoked!, close);
  }
  log.info({ port: broker.port, websocket: options.http ? '/mqtt' : undefined }, 'edge broker is listening');
  return { port: broker.port, close: () => broker!.close() };
}
