import type { Logger } from 'pino';
import type { PendingAck } from '../mqtt/acks.js';
import type { Envelope } from './envelope.js';
import type { EventIntake } from './transport.js';

type Item = { event: Envelope; text: string; ack: PendingAck };

/**
 * Feeds one consumer's intake with the events received for it, in the order received, many per call: events
 * that arrive while a call is running wait and go in the next one. Each event is acknowledged once stored;
 * if a call fails, its events are not, and the connection is dropped so the broker sends them again.
 */
export class IntakeQueue {
  private queued: Item[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly intake: EventIntake,
    private readonly log: Logger,
  ) {}

  /** Queues an event, with the JSON text it came as. */
  push(event: Envelope, text: string, ack: PendingAck): void {
    this.queued.push({ event, text, ack });
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every event received so far was handed to the intake. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queued.length) {
      const batch = this.queued;
      this.queued = [];
      try {
        await this.intake(
          batch.map((item) => item.event),
          batch.map((item) => item.text),
        );
        for (const item of batch) item.ack.done();
      } catch (err) {
        this.log.error({ err, events: batch.length }, 'event intake failed; reconnecting so the broker sends the events again');
        for (const item of batch) item.ack.failed();
      }
    }
    this.running = undefined;
  }
}

/** One acknowledgement shared by `parts` deliveries: done when all are, failed when any fails. */
export function shareAck(ack: PendingAck, parts: number): PendingAck {
  let left = parts;
  return {
    done: () => {
      left -= 1;
      if (left === 0) ack.done();
    },
    failed: () => ack.failed(),
  };
}
