import { spawn, type ChildProcess } from 'node:child_process';

/** How many times each case is measured: `BENCH_REPEATS`, 3 by default (1 for a quick check). */
export const repeats = positiveInt(process.env.BENCH_REPEATS ?? '3', 'BENCH_REPEATS');

/** A positive whole number from an environment knob, or a clear error. */
export function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not ${JSON.stringify(text)}`);
  return n;
}

/** A positive number (seconds, say) from an environment knob, or a clear error. */
export function positiveNumber(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number above 0, not ${JSON.stringify(text)}`);
  return n;
}

/** Values per case name, one per repeat, in the order the repeats ran. */
export class Samples {
  private readonly byName = new Map<string, number[]>();

  add(name: string, value: number): void {
    const values = this.byName.get(name) ?? [];
    values.push(value);
    this.byName.set(name, values);
  }

  /** How many values `name` has so far. */
  count(name: string): number {
    return this.byName.get(name)?.length ?? 0;
  }

  get(name: string): number[] {
    const values = this.byName.get(name);
    if (!values) throw new Error(`no samples for ${name}`);
    return values;
  }
}

/**
 * Runs `measure` once per repeat; it measures the baseline and the subject one after the other, so noise on the
 * machine during a repeat hits both.
 */
export async function eachRepeat(bench: string, measure: (samples: Samples, repeat: number) => Promise<void>): Promise<Samples> {
  const samples = new Samples();
  for (let r = 0; r < repeats; r++) {
    console.error(`${bench}: repeat ${r + 1} of ${repeats}`);
    await measure(samples, r);
  }
  return samples;
}

/**
 * Rates of a baseline and a subject measured in turns, `turns` short runs each, in the order A B B A A B ...,
 * each the mean of its runs. On a shared machine the speed drifts by half within seconds; one long run of each
 * compares two different machines, while short turns put both on the same one, so the ratio holds still.
 */
export async function inTurns(turns: number, baseline: () => Promise<number>, subject: () => Promise<number>): Promise<[number, number]> {
  let a = 0;
  let b = 0;
  for (let turn = 0; turn < turns; turn++) {
    if (turn % 2 === 0) {
      a += await baseline();
      b += await subject();
    } else {
      b += await subject();
      a += await baseline();
    }
  }
  return [a / turns, b / turns];
}

/** A child process and the lines it writes to stdout, as they come. */
export interface Child {
  child: ChildProcess;
  /** Resolves with the first line that `match` accepts (its result); rejects if the process exits first. */
  waitFor<T>(match: (line: string) => T | undefined): Promise<T>;
  /** Sends SIGTERM (once, however often it is called) and waits for the exit. */
  stop(): Promise<void>;
}

/** Spawns `node script args` with stdout read line by line; stderr passes through. */
export function spawnNode(script: string, args: string[] = [], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    let end: number;
    while ((end = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, end);
      rest = rest.slice(end + 1);
      lines.push(line);
      for (const waiter of [...waiters]) waiter(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<void> | undefined;
  return {
    child,
    waitFor: <T>(match: (line: string) => T | undefined) =>
      new Promise<T>((resolve, reject) => {
        for (const line of lines) {
          const found = match(line);
          if (found !== undefined) return resolve(found);
        }
        const waiter = (line: string) => {
          const found = match(line);
          if (found === undefined) return;
          waiters.delete(waiter);
          resolve(found);
        };
        waiters.add(waiter);
        void exited.then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          reject(new Error(`${script} exited with ${code} before the line it was waited for`));
        });
      }),
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      })()),
  };
}
