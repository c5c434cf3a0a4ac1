import mqtt, { type MqttClient } from 'mqtt';
import type { TestHost } from './host.js';

/** Registers a device through HTTP as the admin; returns its id and secret. */
export async function registerDevice(t: TestHost, body: { id?: string; name?: string; labels?: Record<string, string> } = {}): Promise<{ id: string; secret: string }> {
  const token = await t.login();
  const res = await fetch(`${t.url}/api/devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'test device', ...body }),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; secret: string };
}

/** Connects to the host's embedded broker as a device (MQTT 3.1.1, no automatic reconnect). */
export function connectDevice(
  t: TestHost,
  credentials: { id: string; secret: string; clientId?: string },
  options: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${t.host.edgePort}`, {
    clientId: credentials.clientId ?? credentials.id,
    username: credentials.id,
    password: credentials.secret,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
}

/** GETs a path of the host's API as the admin and returns the JSON body. */
export async function getJson<T>(t: TestHost, path: string): Promise<T> {
  const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${await t.login()}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Resolves with the next message a client receives on `topic`. */
export function nextMessage(client: MqttClient, topic: string): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer) => {
      if (received !== topic) return;
      client.off('message', onMessage);
      resolve(JSON.parse(payload.toString()));
    };
    client.on('message', onMessage);
  });
}

/** Resolves when the client's connection closes. */
export const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
