import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { SimulationReport } from '../src/edge/simulator.js';
import { spawnNode, type Child } from './repeat.js';
import { prepare, rssMb, startCleave } from './soak/cleave.js';
import { bookkeepingTables, glanceStores, measureStores, type StoreMeasure } from './soak/stores.js';
import { printVerdict, type Interval } from './soak/verdict.js';
import { machineLines, printAligned } from './table.js';

/**
 * `npm run soak -- --minutes M --devices N --rate R`: a Cleave monolith in a child process takes QoS 1 telemetry
 * from N simulated devices (another process) at R messages a second each for M minutes. Every interval (a minute)
 * prints RSS, acknowledgements and their latency, readings stored, disk and bookkeeping bytes and the backlog;
 * the end prints a verdict against the targets and exits 0 when all are met, 1 when one is missed, 2 on bad usage,
 * 3 when the soak itself could not run.
 */
const args = await yargs(hideBin(process.argv))
  .scriptName('npm run soak --')
  .usage('$0 --minutes M --devices N --rate R [--interval-seconds S] [--data-dir DIR]')
  .options({
    minutes: { type: 'number', default: 10, describe: 'How long the devices publish (fractions allowed)' },
    devices: { type: 'number', default: 20, describe: 'How many simulated devices' },
    rate: { type: 'number', default: 5, describe: 'Messages per second per device' },
    'interval-seconds': { type: 'number', default: 60, describe: 'Seconds between printed lines (a minute; shorter for a quick check)' },
    'data-dir': { type: 'string', describe: 'Data folder of the Cleave host (default: a fresh one, removed at the end)' },
  })
  .check((argv) => {
    const positive = (name: string, value: number) => {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a number above 0${Number.isNaN(value) ? "" : `, not ${value}`}`);
    };
    positive('minutes', argv.minutes);
    positive('rate', argv.rate);
    positive('interval-seconds', argv['interval-seconds']);
    if (!Number.isInteger(argv.devices) || argv.devices < 1) throw new Error(`--devices must be a whole number of at least 1, not ${argv.devices}`);
    return true;
  })
  .strict()
  .help()
  .version(false)
  .fail((message, error) => {
    console.error(`${message ?? error?.message}\n(see npm run soak -- --help)`);
    process.exit(2);
  })
  .parse();

const readingsPerMessage = 2;
const created = !args['data-dir'];
const dataDir = args['data-dir'] ?? mkdtempSync(join(tmpdir(), 'cleave-soak-'));
const children: Child[] = [];
// Interrupted (Ctrl-C, or `kill` of this process alone): stop the host and the simulator too, then clean up.
let interrupted = false;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    interrupted = true;
    void Promise.all(children.map((child) => child.stop())).then(() => {
      if (created) rmSync(dataDir, { recursive: true, force: true });
      process.exit(code);
    });
  });
}

const columns = ['minute', 'rss MB', 'acked', 'p50 ms', 'p99 ms', 'readings', 'disk B/reading', 'bookkeeping B', 'bk/data', 'outbox', 'inbox'];
const widths = columns.map((name) => Math.max(name.length, 9));
const printRow = (cells: string[]) => console.log(cells.map((cell, i) => cell.padStart(widths[i])).join('  '));
const show = (n: number | undefined, digits = 0) => (n === undefined ? '?' : n.toFixed(digits));
const ratio = (m: StoreMeasure) => (m.dataBytes ? m.bookkeepingBytes / m.dataBytes : 0);

let exitCode = 1;
try {
  const cleave = await startCleave(dataDir, args.devices, args.rate);
  children.push(cleave);
  const devices = await prepare(cleave.http, args.devices);
  const before = measureStores(dataDir).readings;
  console.log(`${machineLines(1)[0]}   date: ${new Date().toISOString()}`);
  console.log(`soak: ${args.devices} devices x ${args.rate} msg/s for ${args.minutes} min, QoS 1, a line every ${args['interval-seconds']} s; data in ${created ? 'a fresh folder' : dataDir}`);
  console.log(`bookkeeping tables: ${bookkeepingTables.map(String).join(', ')} (bk/data: their bytes over the other tables')`);
  console.log(`each line: readings = acknowledged messages x ${readingsPerMessage}, data = used pages less bookkeeping; the stores are counted table by table at the end`);
  printRow(columns);
  const intervals: Interval[] = [];
  const intervalMs = args['interval-seconds'] * 1000;
  let elapsedMs = 0;
  let acknowledged = 0;
  const sim = spawnNode(fileURLToPath(new URL('./fixtures/simulate.js', import.meta.url)), [
    JSON.stringify({ url: cleave.mqtt, devices, rate: args.rate, qos: 1, durationMs: args.minutes * 60_000, intervalMs }),
  ]);
  children.push(sim);
  const report = await sim.waitFor((line) => {
    const message = JSON.parse(line) as { interval?: SimulationReport; report?: SimulationReport };
    // The last interval is what remains after the whole ones; a sliver of one is left to the totals.
    if (message.interval && message.interval.elapsedMs >= intervalMs / 2) {
      elapsedMs += message.interval.elapsedMs;
      const m = glanceStores(dataDir);
      acknowledged += message.interval.acknowledged;
      const readings = before + acknowledged * readingsPerMessage;
      const interval = { minute: elapsedMs / 60_000, rssMb: rssMb(cleave.pid), ack: message.interval, bookkeepingRatio: ratio(m) };
      intervals.push(interval);
      printRow([
        interval.minute.toFixed(2), interval.rssMb.toFixed(1), String(interval.ack.acknowledged), interval.ack.p50.toFixed(2), interval.ack.p99.toFixed(2),
        String(readings), readings ? (m.diskBytes / readings).toFixed(1) : '?', String(m.bookkeepingBytes), ratio(m).toFixed(3), show(m.outbox), show(m.inbox),
      ]);
    }
    return message.report;
  });
  const end = measureStores(dataDir);
  console.log('');
  console.log(`after the last message: outbox ${show(end.outbox)}, inbox ${show(end.inbox)} rows pending; ${end.diskBytes} bytes on disk`);
  console.log('bytes per table at the end:');
  printAligned(['store', 'table', 'counted as', 'bytes'], end.tables.map((t) => [t.store, t.table, t.kind, String(t.bytes)]), [3]);
  console.log('');
  const ok = printVerdict({ report, stored: end.readings - before, readingsPerMessage, bookkeepingRatio: ratio(end), intervals });
  exitCode = ok ? 0 : 1;
} catch (err) {
  if (!interrupted) console.error(`soak failed: ${(err as Error).stack ?? err}`);
  exitCode = 3;
} finally {
  await Promise.all(children.map((child) => child.stop()));
  if (created) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
