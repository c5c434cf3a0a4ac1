import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One process of a split rehearsal: its name (log prefix) and its `cleave start` arguments. */
export interface ChildSpec {
  name: string;
  args: string[];
  /** Environment variables set for the child on top of the supervisor's own. */
  env?: Record<string, string>;
}

export interface ChildOptions {
  /** The `cleave` script the child runs. */
  script: string;
  /** Width the log prefix is padded to, so the columns line up. */
  prefixWidth: number;
  /** Writes a supervisor message. */
  say: (message: string) => void;
  /** Called when the child exits with code 2 (bad usage or configuration): restarting would not help. */
  onFatal: (message: string) => void;
  /** Called with each line the child writes to stdout (its JSON log). */
  onLogLine?: (line: string) => void;
}

const restartBaseMs = 500;
const restartMaxMs = 30_000;
/** A child that ran this long before exiting restarts without delay growth. */
const healthyAfterMs = 30_000;
/** Tells the child it is supervised: it stops when its stdin closes, so it never outlives the supervisor. */
export const supervisedEnv = 'CLEAVE_SUPERVISED';

/**
 * A supervised child process: output prefixed with its name, restarted with backoff when it exits on its own,
 * stopped with SIGTERM (then SIGKILL after a grace period).
 */
export class Child {
  private process?: ChildProcess;
  private exited: Promise<void> = Promise.resolve();
  private restartTimer?: NodeJS.Timeout;
  private failures = 0;
  private stopping = false;

  constructor(
    readonly spec: ChildSpec,
    private readonly options: ChildOptions,
  ) {}

  get pid(): number | undefined {
    return this.process?.pid;
  }

  start(): void {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [this.options.script, 'start', ...this.spec.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...this.spec.env, [supervisedEnv]: '1' },
      detached: true,
    });
    this.process = child;
    if (child.pid !== undefined) this.options.say(`${this.spec.name} started (pid ${child.pid})`);
    const prefix = `[${this.spec.name}]`.padEnd(this.options.prefixWidth + 2);
    const stdout = createInterface({ input: child.stdout! });
    stdout.on('line', (line) => {
      process.stdout.write(`${prefix} ${line}\n`);
      this.options.onLogLine?.(line);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => process.stderr.write(`${prefix} ${line}\n`));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        stdout.close();
        this.process = undefined;
        resolve();
        if (!this.stopping) this.restartLater(code, signal, Date.now() - startedAt);
      });
    });
    child.once('error', (err) => this.options.say(`${this.spec.name} could not start: ${err.message}`));
  }

  /** Stops the child: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.process;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.options.say(`${this.spec.name} did not stop within ${graceMs} ms; killing it`);
      child.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private restartLater(code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    if (code === 2) return this.options.onFatal(`${this.spec.name} exited with code 2 (bad usage or configuration; its error is above)`);
    if (ranMs >= healthyAfterMs) this.failures = 0;
    const delay = Math.min(restartMaxMs, restartBaseMs * 2 ** this.failures);
    this.failures += 1;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    this.options.say(`${this.spec.name} ${how}; restarting in ${(delay / 1000).toFixed(1)} s`);
    this.restartTimer = setTimeout(() => this.start(), delay);
  }
}
