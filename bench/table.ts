import { availableParallelism, cpus } from 'node:os';

/** What a row must reach: a ratio of its baseline (median, or each run's), or a bound on its own median. */
export type Target =
  | { atLeastX: number; eachRun?: boolean }
  | { atLeast: number }
  | { atMost: number };

/** One benchmark result row: a value per repeat, in the order the repeats ran. */
export interface Row {
  bench: string;
  case: string;
  values: number[];
  unit: string;
  /** The baseline's values of the same repeats, when there is one. */
  baseline?: number[];
  target?: Target;
  /** Shows the smallest per-run ratio too (for targets that must hold in each run). */
  perRun?: boolean;
}

const format = (n: number) => (!Number.isFinite(n) ? String(n) : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Each repeat's ratio of `values` to `baseline`. */
const ratios = (row: Row) => row.values.map((v, i) => v / row.baseline![i]);

/** `median(values) / median(baseline)`, or undefined without a baseline. */
export function medianRatio(row: Row): number | undefined {
  return row.baseline ? median(row.values) / median(row.baseline) : undefined;
}

function describe({ target, unit }: Row): string {
  if (!target) return '';
  if ('atLeastX' in target) return `>= ${target.atLeastX}x${target.eachRun ? ' each run' : ''}`;
  const bound = (n: number) => `${n.toLocaleString('en-US')}${unit.includes('=') ? '' : ` ${unit}`}`;
  return 'atLeast' in target ? `>= ${bound(target.atLeast)}` : `<= ${bound(target.atMost)}`;
}

/** True when the row meets its target; undefined when it has none. */
export function meets(row: Row): boolean | undefined {
  const { target } = row;
  if (!target) return undefined;
  if ('atLeastX' in target) {
    if (!row.baseline) return false;
    if (target.eachRun) return Math.min(...ratios(row)) >= target.atLeastX;
    return medianRatio(row)! >= target.atLeastX;
  }
  if ('atLeast' in target) return median(row.values) >= target.atLeast;
  return median(row.values) <= target.atMost;
}

function vsBaseline(row: Row): string {
  const ratio = medianRatio(row);
  if (ratio === undefined) return '';
  return row.perRun ? `${ratio.toFixed(2)}x (min ${Math.min(...ratios(row)).toFixed(2)}x)` : `${ratio.toFixed(2)}x`;
}

/** The machine the numbers come from: processors, Node version, CPU model, date, repeats. */
export function machineLines(repeats: number): string[] {
  return [
    `nproc: ${availableParallelism()}   node: ${process.version}   cpu: ${cpus()[0]?.model ?? 'unknown'}`,
    `date: ${new Date().toISOString()}   repeats: ${repeats} (min / median over them; baseline and subject interleaved per repeat)`,
  ];
}

/** Prints the machine lines, then rows as an aligned table with a verdict per target. */
export function printTable(rows: Row[], repeats: number): void {
  for (const line of machineLines(repeats)) console.log(line);
  console.log('');
  printAligned(
    ['bench', 'case', 'min', 'median', 'unit', 'vs baseline', 'target', 'verdict'],
    rows.map((r) => {
      const ok = meets(r);
      return [r.bench, r.case, format(Math.min(...r.values)), format(median(r.values)), r.unit, vsBaseline(r), describe(r), ok === undefined ? '' : ok ? 'ok' : 'MISS'];
    }),
    [2, 3],
  );
}

/** Prints a header and rows of cells as aligned columns; the columns at `rightAligned` are padded on the left. */
export function printAligned(header: string[], rows: string[][], rightAligned: number[] = []): void {
  const cells = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  for (const [i, row] of cells.entries()) {
    console.log(row.map((cell, j) => (rightAligned.includes(j) ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  ').trimEnd());
  }
}

/** Operations per second of `run`, repeated until at least `ms` have passed. */
export async function rate(run: (n: number) => Promise<void>, batch: number, ms = 2000): Promise<number> {
  await run(Math.min(batch, 1000));
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await run(batch);
    done += batch;
  }
  return (done / (performance.now() - start)) * 1000;
}
