import { benchBusInproc } from './bus-inproc.js';
import { benchBusMqtt } from './bus-mqtt.js';
import { benchHttp } from './http.js';
import { benchIngest } from './ingest.js';
import { repeats } from './repeat.js';
import { machineLines, printTable, type Row } from './table.js';

/**
 * `npm run bench [name...]`: runs the benchmarks (all by default), each case `BENCH_REPEATS` times with its
 * baseline interleaved, and prints one table with min, median, ratio to the baseline, target and verdict.
 */
const all: Record<string, () => Promise<Row[]>> = { 'bus-inproc': benchBusInproc, 'bus-mqtt': benchBusMqtt, http: benchHttp, ingest: benchIngest };
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in all));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(all).join(', ')}`);
  process.exit(2);
}
for (const line of machineLines(repeats)) console.error(line);
const rows: Row[] = [];
for (const name of chosen.length ? chosen : Object.keys(all)) {
  console.error(`running ${name} ...`);
  rows.push(...(await all[name]()));
}
printTable(rows, repeats);
