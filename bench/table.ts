/** One benchmark result row. */
export interface Row {
  bench: string;
  case: string;
  value: number;
  unit: string;
  /** Ratio to the baseline of the same run, when there is one. */
  vsBaseline?: number;
  target?: string;
}

const format = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** Prints rows as an aligned table. */
export function printTable(rows: Row[]): void {
  printAligned(
    ['bench', 'case', 'value', 'unit', 'vs baseline', 'target'],
    rows.map((r) => [r.bench, r.case, format(r.value), r.unit, r.vsBaseline === undefined ? '' : `${r.vsBaseline.toFixed(2)}x`, r.target ?? '']),
    [2],
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
