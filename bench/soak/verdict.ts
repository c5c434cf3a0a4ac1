import type { SimulationReport } from '../../src/edge/simulator.js';
import { printAligned } from '../table.js';

/** One printed interval of the soak. */
export interface Interval {
  minute: number;
  rssMb: number;
  ack: SimulationReport;
  bookkeepingRatio: number;
}

/** The soak's end: what the simulator counted and what the stores hold. */
export interface SoakEnd {
  report: SimulationReport;
  /** Readings stored during the soak, and readings each message carries. */
  stored: number;
  readingsPerMessage: number;
  bookkeepingRatio: number;
  intervals: Interval[];
}

type Verdict = 'ok' | 'MISS' | 'n/a';
const judge = (ok: boolean | undefined): Verdict => (ok === undefined ? 'n/a' : ok ? 'ok' : 'MISS');

/** The soak's targets against what it measured. */
export function verdicts(end: SoakEnd): Array<{ target: string; measured: string; verdict: Verdict }> {
  const { report, intervals } = end;
  const messagesStored = end.stored / end.readingsPerMessage;
  const later = intervals.slice(1);
  const worstP99 = later.length ? Math.max(...later.map((i) => i.ack.p99)) : undefined;
  const first = intervals[0]?.rssMb;
  const last = intervals.at(-1)?.rssMb;
  const growth = later.length && first ? (last! - first) / first : undefined;
  return [
    {
      target: 'all messages acknowledged and stored, none rejected',
      measured: `sent ${report.sent}, acked ${report.acknowledged}, stored ${messagesStored}, rejected ${report.rejected}, failed ${report.failed}`,
      verdict: judge(report.acknowledged === report.sent && messagesStored === report.acknowledged && report.rejected === 0 && report.failed === 0),
    },
    { target: 'bookkeeping <= 10 % of the data it protects', measured: `${(end.bookkeepingRatio * 100).toFixed(1)} %`, verdict: judge(end.bookkeepingRatio <= 0.1) },
    { target: 'ack p99 <= 25 ms in every minute after the first', measured: worstP99 === undefined ? 'one interval only' : `worst ${worstP99.toFixed(2)} ms`, verdict: judge(worstP99 === undefined ? undefined : worstP99 <= 25) },
    { target: 'RSS growth <= 10 % after the first minute', measured: growth === undefined ? 'one interval only' : `${first!.toFixed(1)} -> ${last!.toFixed(1)} MB (${(growth * 100).toFixed(1)} %)`, verdict: judge(growth === undefined ? undefined : growth <= 0.1) },
  ];
}

/** Prints the verdict table and a last `verdict:` line; true when no target was missed. */
export function printVerdict(end: SoakEnd): boolean {
  const rows = verdicts(end);
  printAligned(['target', 'measured', 'verdict'], rows.map((r) => [r.target, r.measured, r.verdict]));
  const missed = rows.filter((r) => r.verdict === 'MISS').length;
  console.log(missed ? `verdict: MISS (${missed} of ${rows.length} targets missed)` : 'verdict: ok');
  return missed === 0;
}
