import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { CleaveError } from '../errors.js';
import { brokerName } from '../mqtt/client.js';
import type { OpenCircuits } from './circuits.js';
import type { Activity } from '../observability/activity.js';

/** One live instance as seen through presence. */
export interface InstanceInfo {
  instanceId: string;
  modules: string[];
  /** The contract version of each module it serves, e.g. `{ telemetry: '1.2.0' }`. */
  contracts?: Record<string, string>;
  http?: string;
  version?: string;
  startedAt?: string;
  /** Modules this instance refuses to call for now (their circuits are open or probing); absent when none. */
  circuits?: OpenCircuits;
  /** The instance's latest activity summary (sent again every few seconds), for the dashboard's rates. */
  activity?: Activity;
}

/** The presence message of `instanceId`, or undefined when it is not one (malformed, or a cleared presence). */
export function parsePresence(instanceId: string, payload: Buffer): InstanceInfo | undefined {
  if (payload.length === 0) return undefined;
  let info: Partial<InstanceInfo>;
  try {
    info = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(info?.modules) || !info.modules.every((m) => typeof m === 'string')) return undefined;
  const { sig: _sig, contracts, ...rest } = info as Partial<InstanceInfo> & { sig?: unknown };
  const versions = Object.entries(contracts ?? {}).filter(([, version]) => typeof version === 'string');
  return { ...rest, instanceId, modules: info.modules, ...(versions.length ? { contracts: Object.fromEntries(versions) } : {}) };
}

/**
 * Reads the live instances of a deployment from the retained presence messages on its broker. It connects
 * with MQTT 3.1.1 and a clean session (any broker), and stops once a probe it sent itself comes back: the
 * broker delivers in order, so every retained presence has arrived by then.
 */
export async function readPresence(url: string, namespace: string, timeoutMs = 5000, ca?: string[]): Promise<InstanceInfo[]> {
  const prefix = `cleave/${namespace}/`;
  const probe = `${prefix}status/${randomBytes(6).toString('hex')}`;
  const found = new PresenceBook();
  const client = mqtt.connect(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: timeoutMs, ...(ca ? { ca } : {}) });
  try {
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CleaveError('UNAVAILABLE', `no answer from MQTT broker ${brokerName(url)} within ${timeoutMs / 1000} s: check it, or set --mqtt-url / CLEAVE_MQTT_URL`)), timeoutMs);
      client.on('error', (err) => {
        clearTimeout(timer);
        reject(new CleaveError('UNAVAILABLE', `MQTT broker ${brokerName(url)} refused the connection: ${err.message}`));
      });
      client.on('message', (topic, payload) => {
        if (topic === probe) {
          clearTimeout(timer);
          resolve();
          return;
        }
        found.update(topic.slice(`${prefix}presence/`.length), payload);
      });
      client.on('connect', () => {
        client
          .subscribeAsync({ [`${prefix}presence/+`]: { qos: 1 }, [probe]: { qos: 1 } })
          .then(() => client.publishAsync(probe, '', { qos: 1 }))
          .catch(reject);
      });
    });
    await done;
  } finally {
    client.end(true);
  }
  return found.list().sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

/** The live instances one process knows of, kept from the presence messages it receives. */
export class PresenceBook {
  private readonly known = new Map<string, InstanceInfo>();

  /** Records a presence message; returns the instance, or undefined when it left or the message is malformed. */
  update(instanceId: string, payload: Buffer): InstanceInfo | undefined {
    const info = parsePresence(instanceId, payload);
    if (info) this.known.set(instanceId, info);
    else this.known.delete(instanceId);
    return info;
  }

  has(instanceId: string): boolean {
    return this.known.has(instanceId);
  }

  /** True when some live instance serves `module`. */
  hosts(module: string): boolean {
    for (const info of this.known.values()) if (info.modules.includes(module)) return true;
    return false;
  }

  list(): InstanceInfo[] {
    return [...this.known.values()].map((info) => ({ ...info, modules: [...info.modules], ...(info.contracts ? { contracts: { ...info.contracts } } : {}) }));
  }

  clear(): void {
    this.known.clear();
  }
}
