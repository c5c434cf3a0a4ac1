import type { Logger } from 'pino';

/**
 * Runs an async pass one at a time: on a nudge, on a poll interval, or at a time asked for. A nudge during a
 * pass schedules exactly one more pass, so no work is missed and passes never overlap.
 */
export class Pump {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private wake: NodeJS.Timeout | undefined;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
    private readonly pollMs: number,
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
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.pass().catch((err) => this.log.error({ err }, 'background pass failed; will retry'));
      } while (this.again && !this.stopped);
    } finally {
      this.running = undefined;
    }
  }
}
