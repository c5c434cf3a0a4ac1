import { processGroups, type SplitDeployment } from '../support/deployments.js';
import { eventually } from '../support/host.js';
import { startMosquitto, type Mosquitto } from '../support/mosquitto.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { adminApi, expect, type Api } from './api.js';
import { Device, type Message } from './device.js';
import { seqReadings, tally } from './readback.js';

/** The split under test: three module processes and a gateway over a Mosquitto, every store on one PostgreSQL. */
export interface FaultSite {
  split: SplitDeployment;
  broker: Mosquitto;
  postgres: PrivatePostgres;
  stop(): Promise<void>;
}

/** identity+devices, telemetry, alerts; the gateway runs HTTP and the device listener. */
export const groups = [['identity', 'devices'], ['telemetry'], ['alerts', 'commands']];

/** Starts a private PostgreSQL cluster, a Mosquitto with persistence, and the split on them. */
export async function startFaultSite(): Promise<FaultSite> {
  const postgres = await startPrivatePostgres();
  const broker = await startMosquitto({ persistence: true }).catch(async (err: unknown) => {
    await postgres.destroy();
    throw err;
  });
  const split = await processGroups({ mqttUrl: broker.url, dbUrl: postgres.url }, groups).catch(async (err: unknown) => {
    await Promise.all([broker.stop(), postgres.destroy()]);
    throw err;
  });
  return {
    split,
    broker,
    postgres,
    async stop() {
      await split.stop();
      await Promise.all([broker.stop(), postgres.destroy()]);
    },
  };
}

/** A disruption injected while a device streams. */
export interface Fault {
  name: string;
  /** The fault as a test title's "when" clause. */
  when: string;
  inject(site: FaultSite, observe: Observer): Promise<void>;
}

/** What a fault may look at while it is on. */
export interface Observer {
  device: Device;
  /** Reads the device's readings through the gateway once, and records how the API answered. */
  probeApi(): Promise<Outage>;
}

/** How the API answered during an outage. */
export interface Outage {
  status: number;
  problem: boolean;
  ms: number;
}

export const faults: Fault[] = [
  {
    name: 'telemetry host SIGKILL + restart',
    when: 'when the telemetry host is killed mid-stream and restarted',
    async inject({ split }, { device, probeApi }) {
      await split.kill('telemetry');
      await probeApi();
      await disrupted(device);
      await split.restart('telemetry');
    },
  },
  {
    name: 'bus broker restart',
    when: 'when the bus broker restarts mid-stream',
    inject: ({ broker }, { device, probeApi }) =>
      broker.restart(async () => {
        await probeApi();
        await disrupted(device);
      }),
  },
  {
    name: 'PostgreSQL stop + start',
    when: 'when PostgreSQL stops mid-stream and starts again',
    async inject({ postgres }, { device, probeApi }) {
      await postgres.stop();
      await probeApi();
      await disrupted(device);
      await postgres.start();
    },
  },
];

/** Resolves once the device has lost a connection, or been refused one, from now on. */
async function disrupted(device: Device): Promise<void> {
  const before = device.disruptions;
  await eventually(async () => (device.disruptions > before ? true : undefined), 20_000, 'the device to see the fault');
}

/** What one fault run counted. */
export interface FaultCounts {
  fault: string;
  sent: number;
  resent: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicated: number;
  breaches: number;
  alertsRaised: number;
  /** Breach episodes that did not get exactly one alert, and alerts that belong to no episode. */
  alertMismatches: number;
  /** How the readings API answered while the fault was on, when the fault looked. */
  outage?: Outage;
}

export interface RunOptions {
  readings: number;
  rate: number;
  /** Every this many readings one breaches; the next is back in bounds. */
  breachEvery: number;
}

export const defaultRun: RunOptions = { readings: 3000, rate: 600, breachEvery: 50 };

const threshold = 50;
const epoch = Date.parse('2030-01-01T00:00:00Z');

/** Readings with unique `ts`; each breach has its own value, so its alert names it. */
export function messagesOf({ readings, breachEvery }: RunOptions): Message[] {
  return Array.from({ length: readings }, (_, seq) => ({
    seq,
    ts: epoch + seq * 1000,
    temp: seq % breachEvery === breachEvery / 2 ? threshold + 100 + seq : 20,
  }));
}

/**
 * One fault run: a new device and a rule on it; the device streams QoS 1 readings through the gateway and the
 * fault strikes a third of the way in. The last breach episode is sent after every earlier reading is
 * acknowledged, so its alert being resolved means the alerts before it were raised. Then everything is counted
 * through the HTTP API.
 */
export async function runFault(site: FaultSite, fault: Fault, options: RunOptions = defaultRun): Promise<FaultCounts> {
  const api = await adminApi(site.split.url);
  const id = `fault-${fault.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}-${Date.now().toString(36)}`.slice(0, 64);
  const { secret } = await expect(api, 201, 'POST', '/api/devices', { id, name: fault.name });
  await expect(api, 201, 'POST', '/api/alerts/rules', { name: 'too hot', deviceId: id, metric: 'temp', op: 'gt', threshold });
  await eventually(async () => ((await api('GET', `/api/telemetry/devices/${id}/latest`)).status === 200 ? true : undefined), 20_000, 'telemetry to know the device');

  const messages = messagesOf(options);
  const tailFrom = messages.length - options.breachEvery;
  const device = new Device({ edgePort: site.split.edgePort, id, secret, rate: options.rate, window: 100, ackTimeoutMs: 10_000 });
  let outage: Outage | undefined;
  const probeApi = async () => (outage = await probe(api, `/api/telemetry/devices/${id}/readings?limit=1`));
  const streaming = device.publishAll(messages.slice(0, tailFrom), 90_000);
  await Promise.race([streaming, eventually(async () => (device.acknowledged.size >= tailFrom / 3 ? true : undefined), 60_000, 'a third acknowledged')]);
  await fault.inject(site, { device, probeApi });
  await streaming;
  await device.publishAll(messages.slice(tailFrom), 30_000);

  const breachValues = messages.filter((m) => m.temp > threshold).map((m) => m.temp);
  const last = breachValues[breachValues.length - 1];
  // Until every process is back on the bus the gateway answers 503 for the modules it cannot reach yet.
  await eventually(async () => {
    const res = await api('GET', `/api/alerts?deviceId=${id}`);
    if (res.status === 503) return undefined;
    if (res.status !== 200) throw new Error(`GET /api/alerts: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.alerts.some((a: { value: number; state: string }) => a.value === last && a.state === 'resolved') ? true : undefined;
  }, 60_000, 'the last breach episode to be raised and resolved');
  const { alerts } = (await expect(api, 200, 'GET', `/api/alerts?deviceId=${id}`)) as { alerts: Array<{ value: number }> };

  return {
    fault: fault.name,
    sent: device.sent,
    resent: device.resent,
    acknowledged: device.acknowledged.size,
    ...tally(await seqReadings(api, id), device.acknowledged),
    breaches: breachValues.length,
    alertsRaised: alerts.length,
    alertMismatches: mismatches(breachValues, alerts.map((a) => a.value)),
    outage,
  };
}

/** Episodes without exactly one alert, plus alerts of no episode. */
function mismatches(breaches: number[], raised: number[]): number {
  const count = new Map(breaches.map((value) => [value, 0]));
  let strays = 0;
  for (const value of raised) {
    if (count.has(value)) count.set(value, count.get(value)! + 1);
    else strays++;
  }
  return strays + [...count.values()].filter((n) => n !== 1).length;
}

async function probe(api: Api, path: string): Promise<Outage> {
  const started = performance.now();
  const res = await api('GET', path);
  return { status: res.status, problem: res.type === 'application/problem+json', ms: Math.round(performance.now() - started) };
}
