import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { CleaveError } from '../errors.js';
import { brokerName, manageConnection, untilConnected } from '../mqtt/client.js';
import { ackLater, OrderedAcks } from '../mqtt/acks.js';
import { splitCredentials } from './dynsec.js';
import { DeviceDispatcher, TopicNotAllowed } from './dispatcher.js';
import { isDeviceId, topicRoot } from './topics.js';

export interface ExternalBrokerOptions {
  dispatcher: DeviceDispatcher;
  /** The broker, with the credentials of Cleave's user (`mqtt://user:password@host:1883`). */
  url: string;
  /** Stable per process, so a restarted process resumes its session and gets what was queued for it. */
  clientId: string;
  /** Certificate authorities trusted for an `mqtts://` or `wss://` broker (default: the system roots). */
  ca?: string[];
  /** Unacknowledged messages the broker may send at once: a full commit group, at least. */
  receiveMaximum: number;
  log: Logger;
}

/** Ingestion from an external MQTT 5 broker. */
export interface ExternalBroker {
  /** Publishes a message to a device's topic (QoS 1, not retained). */
  sendToDevice(topic: string, payload: string): void;
  /**
   * Publishes a queued message to a device (QoS 1) and calls `acked` once the broker acknowledged it; false
   * while not connected. The broker keeps it for a device with a persistent session that is offline.
   */
  deliver(deviceId: string, topic: string, payload: string, acked: () => void): boolean;
  /** Why no device message can come in right now; undefined while connected. */
  health(): string | undefined;
  close(): Promise<void>;
}

/** Every device's topics, shared by the ingesting processes; Cleave's own messages to devices are skipped. */
const filter = `$share/cleave-devices/${topicRoot}/#`;
/** The group's former name: a session resumed from an older Cleave may still hold it, and would get each message twice. */
const formerFilter = `$share/telemetry/${topicRoot}/#`;
const sessionExpirySeconds = 3600;

/**
 * Connects to the broker with a persistent MQTT 5 session, subscribes to every device topic through a shared
 * subscription, and hands each message to the dispatcher. A QoS 1 message is acknowledged only after the dispatcher
 * committed it, in the order received, and many messages share one commit (see `OrderedAcks`); if a commit
 * fails the connection is dropped so the broker sends the message again.
 */
export async function startExternalBroker(options: ExternalBrokerOptions): Promise<ExternalBroker> {
  const { dispatcher, log } = options;
  const { url, username, password } = splitCredentials(options.url);
  const client = mqtt.connect(url, {
    protocolVersion: 5,
    clientId: options.clientId,
    username,
    password,
    clean: false,
    properties: { sessionExpiryInterval: sessionExpirySeconds, receiveMaximum: Math.min(65_535, options.receiveMaximum) },
    resubscribe: false,
    // Without it mqtt.js stops for good after one refused CONNACK (e.g. while the admin's password changes).
    reconnectOnConnackError: true,
    connectTimeout: 5000,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const acks = new OrderedAcks(client);
  let closing = false;

  client.handleMessage = (packet, callback) => {
    if (closing) return; // not acknowledged: the broker keeps it for the next session
    const ack = acks.take(packet);
    callback(packet.qos === 0 ? undefined : ackLater);
    ingest(dispatcher, packet, log).then(
      () => ack.done(),
      (err: unknown) => {
        log.error({ err, topic: packet.topic, qos: packet.qos }, 'device message not committed; at QoS 1 it comes again after a reconnect');
        ack.failed();
      },
    );
  };

  client.on('error', (err) => log.warn({ err, broker: brokerName(url) }, 'device broker connection error'));
  // Mosquitto keeps a persistent session's shared subscriptions only while it runs: subscribe on every connect.
  let subscribed: Promise<void> = Promise.resolve();
  manageConnection(client, (reconnect) => {
    if (reconnect) log.info({ broker: brokerName(url) }, 'device broker reconnected');
    acks.flush();
    subscribed = subscribe(client, url);
    subscribed.catch((err: unknown) => log.error({ err }, 'device topics not subscribed'));
  });
  try {
    await untilConnected(client, { name: `the device broker ${brokerName(url)}`, hint: 'check edge.url (CLEAVE_EDGE_URL)', tlsHint: 'trust its CA with edge.ca (CLEAVE_EDGE_CA)', timeoutMs: 5000 });
    await subscribed;
  } catch (err) {
    client.end(true);
    throw err;
  }

  return {
    health: () => (client.connected ? undefined : `not connected to the device broker ${brokerName(url)}; reconnecting`),
    sendToDevice(topic, payload) {
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) log.warn({ err, topic }, 'could not send a message to a device');
      });
    },
    deliver(deviceId, topic, payload, acked) {
      if (!client.connected) return false;
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) log.warn({ err, deviceId, topic }, 'could not send a queued message to a device');
        else acked();
      });
      return true;
    },
    async close() {
      closing = true;
      await dispatcher.drained();
      await new Promise((resolve) => setImmediate(resolve)); // the last commits' callbacks mark their acks done
      acks.flush();
      await client.endAsync();
    },
  };
}

/** Hands one message to the dispatcher; a topic outside any device's tree, or one Cleave sends itself, is dropped. */
async function ingest(dispatcher: DeviceDispatcher, packet: IPublishPacket, log: Logger): Promise<void> {
  const deviceId = packet.topic.split('/')[2];
  if (!isDeviceId(deviceId) || dispatcher.sentByCleave(deviceId, packet.topic)) return;
  try {
    await dispatcher.handle(deviceId, packet.topic, packet.payload as Buffer, packet.retain);
  } catch (err) {
    if (!(err instanceof TopicNotAllowed)) throw err;
    log.warn({ topic: packet.topic }, 'dropped a message outside any device topic');
  }
}

/** Subscribes to the device topics (retain flag as published, so a retained publish is refused). */
async function subscribe(client: MqttClient, url: string): Promise<void> {
  await client.unsubscribeAsync(formerFilter);
  const [granted] = await client.subscribeAsync(filter, { qos: 1, rap: true });
  if (granted && granted.qos > 1) {
    throw new CleaveError('UNAVAILABLE', `the device broker ${brokerName(url)} refused the subscription ${filter} (reason ${granted.qos})`);
  }
}
