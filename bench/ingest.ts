import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SimulationOptions, SimulationReport } from '../src/edge/simulator.js';
import { eachRepeat, positiveNumber, spawnNode } from './repeat.js';
import { backlog } from './soak/stores.js';
import type { Row } from './table.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const seconds = positiveNumber(process.env.BENCH_INGEST_SECONDS ?? '30', 'BENCH_INGEST_SECONDS');
const deviceCount = 50;
const inFlight = 16;
/** The start of the half-rate run left out of its latency: the devices' new connections and the host's first groups. */
const halfWarmupMs = 2000;

/** Runs the simulator in its own process and returns its report. */
async function simulateIn(options: SimulationOptions): Promise<SimulationReport> {
  const sim = spawnNode(here('./fixtures/simulate.js'), [JSON.stringify(options)]);
  return sim.waitFor((line) => (JSON.parse(line) as { report?: SimulationReport }).report);
}

/** Readings committed in telemetry's store. */
function committed(dataDir: string): number {
  const db = new Database(join(dataDir, 'telemetry.sqlite'), { readonly: true });
  const { n } = db.prepare('select count(*) as n from readings').get() as { n: number };
  db.close();
  return n;
}

const perSecond = (r: SimulationReport) => (r.acknowledged / r.elapsedMs) * 1000;

/**
 * Seconds until every event the run put in an outbox is published and handled (alerts consumes telemetry's
 * `readingsRecorded`), so that the latency run that follows measures a steady state, not the catching up.
 */
async function drained(dataDir: string, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const { outbox, inbox } = backlog(dataDir);
    if (!outbox && !inbox) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) throw new Error(`ingest: the backlog (outbox ${outbox}, inbox ${inbox}) did not drain within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Edge ingestion: 50 simulated devices in a separate process, 16 messages in flight each, publish QoS 1 telemetry
 * (2 readings a message) as fast as acknowledgements allow, to a bare aedes broker (baseline) and to a Cleave
 * monolith hosting alerts with one rule, where each acknowledgement means committed; then, once the events of that
 * run are handled, to Cleave at half the rate it sustained in that repeat, for latency (after a warm-up of 2 s), and
 * to the bare broker at that same rate, the latency the machine itself allows at that moment.
 */
export async function benchIngest(): Promise<Row[]> {
  const bare = spawnNode(here('./fixtures/bare-aedes.js'));
  const host = spawnNode(here('./fixtures/edge-host.js'), [String(deviceCount)]);
  let dataDir = '';
  try {
    const bareUrl = await bare.waitFor((line) => /^ready (\S+)/.exec(line)?.[1]);
    const started = await host.waitFor((line) => (line.startsWith('{') ? (JSON.parse(line) as { url: string; dataDir: string; devices: Array<{ id: string; secret: string }> }) : undefined));
    dataDir = started.dataDir;
    const common = { devices: started.devices, qos: 1 as const, rate: 0, window: inFlight, durationMs: seconds * 1000 };
    let allCommitted = true;
    const samples = await eachRepeat('ingest', async (s) => {
      const baseline = await simulateIn({ ...common, url: bareUrl });
      const before = committed(dataDir);
      const full = await simulateIn({ ...common, url: started.url });
      const readings = committed(dataDir) - before;
      allCommitted &&= readings === full.acknowledged * 2 && full.rejected === 0 && full.failed === 0;
      const sustainable = perSecond(full);
      s.add('drain', await drained(dataDir));
      const halfRate = { rate: sustainable / 2 / deviceCount, warmupMs: halfWarmupMs, durationMs: Math.min(10, seconds) * 1000 + halfWarmupMs };
      const half = await simulateIn({ ...common, ...halfRate, url: started.url });
      const bareHalf = await simulateIn({ ...common, ...halfRate, url: bareUrl });
      s.add('bare', perSecond(baseline));
      s.add('bare p99', baseline.p99);
      s.add('full', sustainable);
      s.add('readings', (readings / full.elapsedMs) * 1000);
      s.add('full p50', full.p50);
      s.add('full p99', full.p99);
      s.add('half rate', sustainable / 2);
      s.add('half p99', half.p99);
      s.add('bare half p99', bareHalf.p99);
    });
    const bench = 'ingest';
    const load = `${deviceCount} devices x ${inFlight} in flight`;
    return [
      { bench, case: `bare aedes, QoS 1, no hooks, no storage, ${load} (baseline)`, values: samples.get('bare'), unit: 'msg/s' },
      { bench, case: 'bare aedes ack latency p99', values: samples.get('bare p99'), unit: 'ms' },
      { bench, case: 'cleave monolith, QoS 1, ack after commit, alerts with a rule', values: samples.get('full'), unit: 'msg/s', baseline: samples.get('bare'), target: { atLeastX: 0.6 } },
      { bench, case: 'durable readings committed (2 per message)', values: samples.get('readings'), unit: 'readings/s' },
      { bench, case: 'every acknowledged message committed, none refused', values: [allCommitted ? 1 : 0], unit: 'yes=1', target: { atLeast: 1 } },
      { bench, case: 'cleave ack latency p50 at full rate', values: samples.get('full p50'), unit: 'ms' },
      { bench, case: 'cleave ack latency p99 at full rate', values: samples.get('full p99'), unit: 'ms' },
      { bench, case: 'backlog drained after the full-rate run', values: samples.get('drain'), unit: 's' },
      { bench, case: 'half the sustained rate, offered', values: samples.get('half rate'), unit: 'msg/s' },
      { bench, case: 'bare aedes ack latency p99 at the same half rate, after 2 s (baseline)', values: samples.get('bare half p99'), unit: 'ms' },
      { bench, case: 'cleave ack latency p99 at half the sustained rate, after 2 s', values: samples.get('half p99'), unit: 'ms', baseline: samples.get('bare half p99'), target: { atMost: 25 } },
    ];
  } finally {
    await Promise.all([bare.stop(), host.stop()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
