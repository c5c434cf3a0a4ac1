import test, { type ExecutionContext } from 'ava';
import type { devicePorts, ModuleDefinition } from '../../../src/index.js';
import { injectEvent } from '../../../test/support/events.js';
import { eventually, startTestHost, type TestHost } from '../../../test/support/host.js';
import { createDatabase, postgresAvailable } from '../../../test/support/postgres.js';
import { modules } from '../../index.js';
import { telemetryContract } from '../contract.js';
import telemetry from '../index.js';

type DeviceMessage = devicePorts.DeviceMessage;
type DeviceResult = devicePorts.DeviceResult;

/** A telemetry host as the tests use it: ingest through the contract, read through HTTP. */
export interface Telemetry {
  host: TestHost;
  store: 'sqlite' | 'postgres';
  /** Hands messages to `ingestTelemetry` and, as the device listener does, records its refusals with `recordRejections`. */
  ingest(messages: DeviceMessage[]): Promise<DeviceResult[]>;
  /** Records refusals through `recordRejections`, as the device listener does for its own. */
  reject(rejections: devicePorts.DeviceRejection[]): Promise<void>;
  /** GET under `/api/telemetry`, as the admin unless another token is given. */
  get(path: string, token?: string | null): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Announces a registered device, as the devices module would, and waits until telemetry knows it. */
  register(...deviceIds: string[]): Promise<void>;
  /** Rows of one of telemetry's tables, straight from its store. */
  rows(table: string): Promise<Array<Record<string, unknown>>>;
}

const stores = (await postgresAvailable()) ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

/** Registers one test per store (SQLite, and PostgreSQL when it is there), each with its own host. */
export function scenario(title: string, run: (t: ExecutionContext, telemetry: Telemetry) => Promise<void>, extra: ModuleDefinition[] = [], settings: Record<string, unknown> = {}) {
  for (const store of stores) {
    test(`[${store}] ${title}`, async (t) => {
      const database = store === 'postgres' ? await createDatabase() : undefined;
      const others = modules.filter((module) => module.contract.name !== 'telemetry');
      // The fixtures' messages were received in 2024: keep their rejections listed.
      const config = { 'telemetry.rejectionsRetentionDays': 36_500, ...settings, ...(database ? { 'db.url': database.url } : {}) };
      const host = await startTestHost({ modules: [...others, telemetry, ...extra], config });
      try {
        await run(t, await connect(host, store));
      } finally {
        await host.stop();
        await database?.drop();
      }
    });
  }
}

async function connect(host: TestHost, store: Telemetry['store']): Promise<Telemetry> {
  const admin = await host.login();
  const client = host.host.bus.client(telemetryContract, { principal: { sub: 'test', role: 'system' } });
  const get: Telemetry['get'] = async (path, token = admin) => {
    const res = await fetch(`${host.url}/api/telemetry${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: await res.json() };
  };
  return {
    host,
    store,
    get,
    async ingest(messages) {
      const { results } = await client.ingestTelemetry({ messages });
      const rejections = results.flatMap((result, i) => (result.accepted ? [] : [rejectionOf(messages[i], result)]));
      if (rejections.length) await client.recordRejections({ rejections });
      return results;
    },
    reject: async (rejections) => void (await client.recordRejections({ rejections })),
    async register(...deviceIds) {
      for (const id of deviceIds) {
        await injectEvent(host, 'devices', 'deviceRegistered', { id, name: `device ${id}`, labels: {} });
        await eventually(async () => ((await get(`/devices/${id}/latest`)).status === 200 ? true : undefined), 5000, `${id} known`);
      }
    },
    rows: (table) => host.host.database('telemetry')!(table).select(),
  };
}

/** The topic a message came on, as the listener records it: the kind with its `+` levels filled in. */
function topicOf({ deviceId, kind, levels }: DeviceMessage): string {
  let level = 0;
  return `v1/devices/${deviceId}/${kind.split('/').map((part) => (part === '+' ? levels[level++] : part)).join('/')}`;
}

function rejectionOf(message: DeviceMessage, refusal: Extract<DeviceResult, { accepted: false }>): devicePorts.DeviceRejection {
  const { deviceId, receivedAt, payload } = message;
  return { deviceId, topic: topicOf(message), code: refusal.code, reason: refusal.reason, payload, receivedAt };
}

/** A message on a device's telemetry topic; objects are sent as JSON, strings as they are. */
export function telemetryMessage(deviceId: string, payload: unknown, receivedAt = Date.parse('2024-05-01T12:00:30Z')): DeviceMessage {
  return onKind(deviceId, 'telemetry', [], payload, receivedAt);
}

/** A message on `v1/devices/<id>/events/<type>`. */
export function eventMessage(deviceId: string, type: string, payload: unknown, receivedAt = Date.parse('2024-05-01T12:00:30Z')): DeviceMessage {
  return onKind(deviceId, 'events/+', [type], payload, receivedAt);
}

export function onKind(deviceId: string, kind: string, levels: string[], payload: unknown, receivedAt = Date.parse('2024-05-01T12:00:30Z')): DeviceMessage {
  return { deviceId, kind, levels, receivedAt, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) };
}

export const at = (iso: string) => Date.parse(iso);
