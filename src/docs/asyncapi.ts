import type { CleaveConfig } from '../config/schema.js';
import type { Json } from '../contract/json-schema.js';
import type { ModuleDefinition } from '../kernel/module.js';
import { busPart } from './asyncapi-bus.js';
import { devicePart } from './asyncapi-devices.js';

/**
 * Guarantee: `GET /asyncapi.json` and `cleave asyncapi` give one AsyncAPI 3.0 document, generated from the build's
 * contracts and declarations, with no broker credentials in it (servers carry host and port only).
 */

/** Where the document says the two brokers are. */
export interface AsyncApiOptions {
  /** Config `bus.namespace`. */
  namespace: string;
  /** Config `bus.mqtt.url`: the bus broker. */
  busUrl: string;
  /** The device broker: config `edge.url` when external, else the embedded broker's `edge.host` and `edge.port`. */
  deviceUrl: string;
  version: string;
}

const protocols: Record<string, string> = { 'mqtt:': 'mqtt', 'mqtts:': 'secure-mqtt', 'ws:': 'ws', 'wss:': 'wss' };

/** A server object from a broker URL: host and port, never its user or password. */
function server(url: string, description: string): Json {
  const parsed = new URL(url);
  return { host: parsed.host, protocol: protocols[parsed.protocol] ?? 'mqtt', description };
}

/** The broker URL devices use, from the edge configuration. */
function deviceBrokerUrl(edge: CleaveConfig['edge']): string {
  if (edge.broker === 'external' && edge.url) return edge.url;
  const host = edge.host === '0.0.0.0' || edge.host === '::' || edge.host === '' ? 'localhost' : edge.host;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${edge.port}`;
}

/** The document's options from a host's configuration. */
export function asyncApiOptions(config: Pick<CleaveConfig, 'bus' | 'edge'>, version: string): AsyncApiOptions {
  return { namespace: config.bus.namespace, busUrl: config.bus.mqtt.url, deviceUrl: deviceBrokerUrl(config.edge), version };
}

/** The AsyncAPI 3.0 document of the bus and the device API of `definitions`. */
export function asyncApiDocument(definitions: ModuleDefinition[], options: AsyncApiOptions): Json {
  const bus = busPart(definitions, options.namespace);
  const devices = devicePart(definitions);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Cleave bus and device API',
      version: options.version,
      description:
        'The bus: modules serve requests on shared subscriptions, reply to the caller’s own topic and publish events at least once, ' +
        'every message sealed with the bus key (MQTT 5). The device API: what devices publish and receive under v1/devices/<id>/.',
    },
    defaultContentType: 'application/json',
    servers: {
      bus: server(options.busUrl, 'The bus broker (bus.mqtt.url), with --bus mqtt; in one process the bus stays in memory, with the same messages'),
      devices: server(options.deviceUrl, 'The device broker: username = client id = device id, password = its secret'),
    },
    channels: { ...bus.channels, ...devices.channels },
    operations: { ...bus.operations, ...devices.operations },
    components: { schemas: { ...bus.schemas, ...devices.schemas } },
  };
}
