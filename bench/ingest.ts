import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SimulationOptions, SimulationReport } from '../src/edge/simulator.js';
import type { Row } from './table.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const seconds = Number(process.env.BENCH_INGEST_SECONDS ?? 30);
const deviceCount = 100;

function run(script: string, args: string[]): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, line };
}

const simulateIn = async (options: SimulationOptions): Promise<SimulationReport> =>
  JSON.parse(await run(here('./fixtures/simulate.js'), [JSON.stringify(options)]).line) as SimulationReport;

/** Readings committed in telemetry's store. */
function committed(dataDir: string): number {
  const db = new Database(join(dataDir, 'telemetry.sqlite'), { readonly: true });
  const { n } = db.prepare('select count(*) as n from readings').get() as { n: number };
  db.close();
  return n;
}

/**
 * Edge ingestion: 100 simulated devices in a separate process publish QoS 1 telemetry (2 readings a message)
 * as fast as acknowledgements allow, to a bare aedes broker (baseline) and to a Cleave monolith, where each
 * acknowledgement means committed; then to Cleave at half its sustainable rate for latency.
 */
export async function benchIngest(): Promise<Row[]> {
  const bare = run(here('./fixtures/bare-aedes.js'), []);
  const bareUrl = (await bare.line).replace('ready ', '');
  const host = run(here('./fixtures/edge-host.js'), [String(deviceCount)]);
  const { url, dataDir, devices } = JSON.parse(await host.line) as { url: string; dataDir: string; devices: Array<{ id: string; secret: string }> };
  try {
    const common = { devices, qos: 1 as const, rate: 0, window: 8, durationMs: seconds * 1000 };
    const baseline = await simulateIn({ ...common, url: bareUrl });
    const before = committed(dataDir);
    const full = await simulateIn({ ...common, url });
    const readings = committed(dataDir) - before;
    const sustainable = (full.acknowledged / full.elapsedMs) * 1000;
    const half = await simulateIn({ ...common, url, rate: sustainable / 2 / deviceCount, durationMs: Math.min(10, seconds) * 1000 });
    const perSecond = (r: SimulationReport) => (r.acknowledged / r.elapsedMs) * 1000;
    return [
      { bench: 'ingest', case: 'bare aedes, QoS 1, no hooks, no storage (baseline)', value: perSecond(baseline), unit: 'msg/s' },
      { bench: 'ingest', case: 'bare aedes ack latency p99', value: baseline.p99, unit: 'ms' },
      { bench: 'ingest', case: 'cleave monolith, ack after commit', value: perSecond(full), unit: 'msg/s', vsBaseline: perSecond(full) / perSecond(baseline), target: '>= 0.6x' },
      { bench: 'ingest', case: 'durable readings committed (2 per message)', value: (readings / full.elapsedMs) * 1000, unit: 'readings/s' },
      { bench: 'ingest', case: 'acknowledged messages all committed', value: readings >= full.acknowledged * 2 ? 1 : 0, unit: 'yes=1' },
      { bench: 'ingest', case: 'cleave ack latency p50 at full rate', value: full.p50, unit: 'ms' },
      { bench: 'ingest', case: 'cleave ack latency p99 at full rate', value: full.p99, unit: 'ms' },
      { bench: 'ingest', case: `cleave ack latency p99 at half rate (${Math.round(sustainable / 2)} msg/s)`, value: half.p99, unit: 'ms', target: '<= 25 ms' },
    ];
  } finally {
    bare.child.kill();
    host.child.kill('SIGTERM');
    await new Promise((resolve) => host.child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
