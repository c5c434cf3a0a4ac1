import test from 'ava';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { getJson } from './devices.js';
import { eventually, startTestHost, type TestHost, type TestHostOptions } from './host.js';
import { mosquittoAvailable, startMosquitto, type Mosquitto } from './mosquitto.js';

const available = mosquittoAvailable();

/** The dynamic-security admin of the test brokers; Cleave connects as this user. */
export const dynsec = { admin: 'cleave-admin', password: 'dynsec-admin-password' };

export type Device = { id: string; secret: string };
type Readings = { readings: Array<{ metric: string; value: number }> };

/** A Mosquitto with dynamic security and a host ingesting from it; each test has its own, as they share a group. */
export async function withExternal(run: (host: TestHost, broker: Mosquitto) => Promise<void>, options: TestHostOptions = {}) {
  const broker = await startMosquitto({ dynsec });
  try {
    const host = await startTestHost({ ...options, config: { ...externalConfig(broker), ...options.config } });
    try {
      await run(host, broker);
    } finally {
      await host.stop();
    }
  } finally {
    await broker.stop();
  }
}

/** Host config to ingest from `broker`, with an instance id of its own (reuse the config to resume its session). */
export const externalConfig = (broker: Mosquitto, instance = `ext-${randomBytes(4).toString('hex')}`) => ({
  'edge.broker': 'external',
  'edge.url': `mqtt://${dynsec.admin}:${dynsec.password}@127.0.0.1:${broker.port}`,
  'bus.instance': instance,
});

/** Connects to the Mosquitto as a device (MQTT 3.1.1, no automatic reconnect). */
export const connectTo = (broker: Mosquitto, device: Device, options: mqtt.IClientOptions = {}): Promise<MqttClient> =>
  mqtt.connectAsync(broker.url, { clientId: device.id, username: device.id, password: device.secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });

/**
 * Connects as a device once the broker lets it in: the device's credentials reach the broker shortly after its
 * registration or rotation (the credential subscriber applies the event). Any refusal but "not authorized" fails.
 */
export const connectWhenProvisioned = (broker: Mosquitto, device: Device, timeoutMs = 10_000): Promise<MqttClient> =>
  eventually(
    () => connectTo(broker, device).catch((err: { code?: number }) => (err.code === 5 ? undefined : Promise.reject(err))),
    timeoutMs,
    `the broker to let ${device.id} in`,
  );

/** The CONNACK return code that refused the device, or undefined if it connected. */
export const refusal = (broker: Mosquitto, device: Device) =>
  connectTo(broker, device).then(
    (client) => void client.end(true),
    (err: { code?: number }) => err.code ?? -1,
  );

/** Publishes one reading set at QoS 1. */
export const publishReading = (client: MqttClient, id: string, metrics: Record<string, number>, ts?: number) =>
  client.publishAsync(`v1/devices/${id}/telemetry`, JSON.stringify({ ts, metrics }), { qos: 1 });

/** A device's readings through HTTP, newest first. */
export const readingsOf = (host: TestHost, id: string) => getJson<Readings>(host, `/api/telemetry/devices/${id}/readings?limit=10000`);

/** Waits until a device has `count` readings; their values, newest first. */
export const storedValues = (host: TestHost, id: string, count: number) =>
  eventually(async () => {
    const { readings } = await readingsOf(host, id);
    return readings.length >= count ? readings.map((r) => r.value) : undefined;
  }, 10_000, `${count} readings of ${id}`);

/** An HTTP call without a body as the admin. */
export const api = async (host: TestHost, method: string, path: string) =>
  fetch(`${host.url}${path}`, { method, headers: { authorization: `Bearer ${await host.login()}` } });

if (!available) console.log('external device broker tests skipped: install mosquitto');
/** A test needing Mosquitto; one at a time, as each runs a host and a broker and hashing secrets is slow. */
export const external = available ? test.serial : test.skip;
