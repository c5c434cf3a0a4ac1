import type { Logger } from 'pino';

/**
 * Runs an async pass one at a time: on a nudge, on a poll interval, or at a time asked for. A nudge during a
 * pass schedules exactly one more pass, so no work is missed and passes never overlap. Passes start at least
 * `spacingMs` apart: a nudge sooner waits for that, so under load one pass takes what several nudges asked for.
 */
export class Pump {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;
  private spaced: NodeJS.Timeout | undefined;
  private lastStart = -Infinity;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly spacingMs = 0,
  ) {}

  start(): void {
    this.stopped = false;
    this.poll = setInterval(() => this.nudge(), this.pollMs);
    this.poll.unref();
    this.nudge();
  }

  /** Runs a pass now, or right after the current one. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastStart + this.spacingMs - performance.now();
    if (wait > 0) {
      this.spaced ??= setTimeout(() => {
        this.spaced = undefined;
        this.nudge();
      }, wait);
      this.spaced.unref();
      return;
    }
    this.running = this.loop();
  }

  /** Runs a pass at `time` (epoch ms), unless one is asked for earlier. */
  wakeAt(time: number): void {
    if (this.stopped) return;
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.nudge(), Math.max(0, time - Date.now()));
    this.wake.unref();
  }

  /** Stops scheduling and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.wake);
    clearTimeout(this.spaced);
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      this.again = false;
      this.lastStart = performance.now();
      await this.pass().catch((err) => this.log.error({ err }, 'background pass failed; will retry'));
    } finally {
      this.running = undefined;
    }
    if (this.again) this.nudge();
  }
}
