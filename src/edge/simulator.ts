import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { noDelay } from '../mqtt/client.js';

/** A device's credentials. */
export interface SimulatedDevice {
  id: string;
  secret: string;
}

export interface SimulationOptions {
  /** The edge broker, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  devices: SimulatedDevice[];
  /** Messages per second per device; 0 publishes as fast as acknowledgements allow. */
  rate: number;
  durationMs: number;
  qos: 0 | 1;
  /** Unacknowledged messages a device may have at once when `rate` is 0. */
  window?: number;
  /**
   * Milliseconds at the start whose messages are sent and counted but left out of the latency percentiles, while
   * the new connections and the code on both sides warm up; none by default.
   */
  warmupMs?: number;
  /** Called about every second with the totals so far. */
  onProgress?: (progress: SimulationReport) => void;
  /** How often `onInterval` is called, in milliseconds; 60 000 by default. */
  intervalMs?: number;
  /**
   * Called every `intervalMs`, and once more for the last, shorter interval, with that interval's counts and
   * latency percentiles alone (`elapsedMs` is the interval's length).
   */
  onInterval?: (interval: SimulationReport) => void;
}

/** Totals of a simulation. */
export interface SimulationReport {
  sent: number;
  acknowledged: number;
  rejected: number;
  failed: number;
  elapsedMs: number;
  /** Acknowledgement latency percentiles in milliseconds (QoS 1). */
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0);

/**
 * Connects simulated devices to an edge broker and publishes telemetry (`{ ts, id, metrics }`) for a
 * while, counting acknowledgements, refusals reported on each device's `errors` topic, and latency.
 * Message ids are unique per run (`<run>-<n>`), so runs one after another on the same devices are not duplicates.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const latencies: number[] = [];
  const totals = { sent: 0, acknowledged: 0, rejected: 0, failed: 0 };
  let started = performance.now();
  const report = (): SimulationReport => summarise(totals, latencies, performance.now() - started);
  const clients = await Promise.all(options.devices.map((device) => connect(options.url, device)));
  for (const [i, client] of clients.entries()) {
    client.on('message', () => totals.rejected++);
    await client.subscribeAsync(`v1/devices/${options.devices[i].id}/errors`, { qos: 1 });
  }
  started = performance.now();
  const progress = options.onProgress && setInterval(() => options.onProgress?.(report()), 1000);
  const intervals = options.onInterval && intervalReporter(totals, latencies, options.onInterval, options.intervalMs ?? 60_000);
  // One clock reading for both: a warm-up as long as the run then leaves every message untimed.
  const deadline = started + options.durationMs;
  const measureFrom = started + (options.warmupMs ?? 0);
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  try {
    await Promise.all(
      clients.map((client, i) => runDevice(client, options.devices[i].id, run, options, { deadline, measureFrom }, totals, latencies)),
    );
  } finally {
    clearInterval(progress);
    intervals?.stop();
    await Promise.all(clients.map((client) => client.endAsync().catch(() => undefined)));
  }
  return report();
}

type Totals = Pick<SimulationReport, 'sent' | 'acknowledged' | 'rejected' | 'failed'>;

function summarise(totals: Totals, latencies: number[], elapsedMs: number): SimulationReport {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { ...totals, elapsedMs, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** Reports each interval's counts and latencies: the difference from the totals at the previous report. */
function intervalReporter(totals: Totals, latencies: number[], onInterval: (interval: SimulationReport) => void, everyMs: number) {
  let last = { ...totals };
  let from = 0;
  let since = performance.now();
  const emit = () => {
    const now = performance.now();
    const counts = { sent: totals.sent - last.sent, acknowledged: totals.acknowledged - last.acknowledged, rejected: totals.rejected - last.rejected, failed: totals.failed - last.failed };
    onInterval(summarise(counts, latencies.slice(from), now - since));
    last = { ...totals };
    from = latencies.length;
    since = now;
  };
  const timer = setInterval(emit, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      const changed = (Object.keys(totals) as Array<keyof Totals>).some((key) => totals[key] !== last[key]);
      if (changed || performance.now() - since >= 1) emit();
    },
  };
}

/**
 * Connects a device with Nagle's algorithm off, as Cleave's own MQTT clients do: left on, under a group commit
 * the devices' messages bunched behind each commit's acknowledgements and waited a whole extra group.
 */
async function connect(url: string, device: SimulatedDevice): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: device.id,
    username: device.id,
    password: device.secret,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    clean: true,
  });
  noDelay(client);
  client.on('connect', () => noDelay(client));
  return client;
}

async function runDevice(
  client: MqttClient,
  deviceId: string,
  run: string,
  options: SimulationOptions,
  /** Sending stops at `deadline`; latencies count from `measureFrom` (both on performance.now()'s clock). */
  { deadline, measureFrom }: { deadline: number; measureFrom: number },
  totals: { sent: number; acknowledged: number; failed: number },
  latencies: number[],
): Promise<void> {
  const topic = `v1/devices/${deviceId}/telemetry`;
  const interval = options.rate > 0 ? 1000 / options.rate : 0;
  const window = options.rate > 0 ? Infinity : (options.window ?? 16);
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  let lastTs = 0;
  let next = performance.now();
  while (performance.now() < deadline) {
    if (interval) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      next += interval;
    } else if (inFlight.size >= window) {
      await Promise.race(inFlight);
    }
    // The moment checked against the deadline is the one timed from, so no message sent is timed past it.
    const sentAt = performance.now();
    if (sentAt >= deadline) break;
    lastTs = Math.max(Date.now(), lastTs + 1);
    const payload = JSON.stringify({ ts: lastTs, id: `${run}-${++seq}`, metrics: { temperature: 20 + Math.random() * 5, humidity: 40 + Math.random() * 20 } });
    totals.sent++;
    const pending: Promise<void> = client.publishAsync(topic, payload, { qos: options.qos }).then(
      () => {
        totals.acknowledged++;
        if (options.qos === 1 && sentAt >= measureFrom) latencies.push(performance.now() - sentAt);
      },
      () => {
        totals.failed++;
      },
    ).finally(() => inFlight.delete(pending));
    inFlight.add(pending);
  }
  await Promise.all(inFlight);
}
