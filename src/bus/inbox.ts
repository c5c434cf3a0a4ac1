import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { CleaveError } from '../errors.js';
import { expiringIds } from '../db/expiring-ids.js';
import { inboxIds } from '../db/kernel-migrations.js';
import { insertRows, type FlatValues } from '../db/insert-rows.js';
import type { Metrics } from '../observability/metrics.js';
import type { Envelope } from './envelope.js';
import { Pump } from './pump.js';
import { handledTraced } from './traced.js';

/** Applies one event inside `trx`, the transaction that also marks it handled; true when it wrote events. */
export type InboxHandler = (message: Envelope, trx: Knex.Transaction) => Promise<boolean>;

export interface InboxOptions {
  module: string;
  db: Knex;
  /** Handlers by event type (`<module>.<event>`). */
  handlers: Map<string, InboxHandler>;
  log: Logger;
  metrics?: Metrics;
  maxAttempts: number;
  baseDelayMs: number;
  /**
   * How long an arrived event's id is kept at least (at most twice as long) to recognise a redelivery: it must
   * outlast the broker's session expiry plus the time a publisher may stay down between publishing an event and
   * deleting its outbox row (`bus.inbox.dedupeWindowMs`).
   */
  dedupeWindowMs: number;
  /** Called after a commit in which handlers wrote events to the outbox. */
  onPublished(): void;
}

interface InboxRow {
  seq: number;
  id: string;
  type: string;
  envelope: string;
  attempts: number;
}

const batchSize = 100;
const intakeColumns = ['id', 'type', 'envelope', 'status', 'attempts', 'next_at', 'received_at'];
const maxDelayMs = 60_000;
const rotateEveryMs = 60_000;
/** Thrown inside the fast path's transaction to roll it back: earlier events wait in the inbox. */
const eventsWaiting = new Error('events wait in the inbox');

/**
 * A consumer module's inbox: an arriving event's id is claimed in an expiring id set and the event handled in
 * the same transaction when nothing waits before it, else stored in that transaction; an id claimed before (or an
 * event still in the inbox) is ignored, which is what makes a redelivery harmless. Stored events are handled in
 * order, each in one transaction with its effect that also deletes it. Ids are kept one to two dedupe windows: a redelivery later than that (a publisher that crashed between
 * publishing and deleting its outbox row and stayed down longer) would be handled again, and is logged when
 * its event is older than the window. A failing event is retried with exponential backoff and jitter, then
 * moved to the dead letters.
 */
export class Inbox {
  private readonly pump: Pump;
  private lastRotate = 0;

  constructor(private readonly options: InboxOptions) {
    this.pump = new Pump(() => this.drain(), options.log, 1000);
  }

  /**
   * Takes arriving events in: handled at once when nothing waits in the inbox, else stored to be handled in
   * turn; known ids are ignored. Resolves once they are handled or durably stored. An event is stored as the
   * text it came as (`texts`): a handler of the fast path may change its payload and then fail.
   */
  readonly intake = async (messages: Envelope[], texts: string[]): Promise<void> => {
    const now = Date.now();
    this.warnIfLate(messages, now);
    if (await this.handleOnArrival(messages)) return;
    await this.options.db.transaction(async (trx) => {
      const fresh = await this.claim(trx, messages);
      const values: FlatValues = [];
      messages.forEach((message, i) => {
        if (fresh.delete(message.id)) values.push(message.id, message.type, texts[i], 'pending', 0, now, now);
      });
      await insertRows(trx, 'cleave_inbox', intakeColumns, values, ' on conflict (id) do nothing');
    });
    this.pump.nudge();
  };

  /**
   * The fast path: with no event waiting in the inbox, the fresh ones are handled in arrival order in the
   * transaction that claims their ids, and never stored. False, with nothing kept, when events wait (they go
   * first) or a handler fails (the events are then stored, and each failure is retried on its own).
   */
  private async handleOnArrival(messages: Envelope[]): Promise<boolean> {
    const { db, module, metrics } = this.options;
    let published = false;
    let handled: Envelope[] = [];
    try {
      await db.transaction(async (trx) => {
        if (await trx('cleave_inbox').where({ status: 'pending' }).first('seq')) throw eventsWaiting;
        const fresh = await this.claim(trx, messages);
        handled = messages.filter((message) => fresh.delete(message.id));
        for (const message of handled) published = (await this.applyTo(message, trx)) || published;
      });
    } catch {
      return false;
    }
    if (published) this.options.onPublished();
    for (const message of handled) metrics?.eventsHandled.inc({ consumer: module, type: message.type, outcome: 'done' });
    return true;
  }

  /** Claims the events' ids; the ids claimed now (the events not seen before). */
  private async claim(trx: Knex.Transaction, messages: Envelope[]): Promise<Set<string>> {
    const claimed = await expiringIds(trx, inboxIds).claim(messages.map((m) => m.id));
    return new Set(claimed.map(([id]) => id as string));
  }

  start(): void {
    this.pump.start();
  }

  async stop(): Promise<void> {
    await this.pump.stop();
  }

  private async drain(): Promise<void> {
    const { db } = this.options;
    for (;;) {
      const rows: InboxRow[] = await db('cleave_inbox')
        .where({ status: 'pending' })
        .andWhere('next_at', '<=', Date.now())
        .orderBy('seq')
        .limit(batchSize)
        .select('seq', 'id', 'type', 'envelope', 'attempts');
      if (rows.length) await this.handleBatch(rows);
      if (rows.length < batchSize) break;
    }
    const next = await db('cleave_inbox').where({ status: 'pending' }).min({ at: 'next_at' }).first();
    if (next?.at != null) this.pump.wakeAt(Number(next.at));
    await this.rotate();
  }

  /**
   * Handles a batch in one transaction, the fast path. If any event fails, that transaction rolls back and
   * each event of the batch is handled again in a transaction of its own, so failures stay isolated.
   */
  private async handleBatch(rows: InboxRow[]): Promise<void> {
    const { db, module, metrics } = this.options;
    let published = false;
    try {
      await db.transaction(async (trx) => {
        for (const row of rows) published = (await this.apply(row, trx)) || published;
        await trx('cleave_inbox').whereIn('seq', rows.map((row) => row.seq)).delete();
      });
    } catch {
      for (const row of rows) await this.handleOne(row);
      return;
    }
    if (published) this.options.onPublished();
    for (const row of rows) metrics?.eventsHandled.inc({ consumer: module, type: row.type, outcome: 'done' });
  }

  private async handleOne(row: InboxRow): Promise<void> {
    const { db, module, metrics } = this.options;
    try {
      const published = await db.transaction(async (trx) => {
        const wrote = await this.apply(row, trx);
        await trx('cleave_inbox').where({ seq: row.seq }).delete();
        return wrote;
      });
      if (published) this.options.onPublished();
      metrics?.eventsHandled.inc({ consumer: module, type: row.type, outcome: 'done' });
    } catch (err) {
      await this.fail(row, row.attempts + 1, err);
    }
  }

  private apply(row: InboxRow, trx: Knex.Transaction): Promise<boolean> {
    return this.applyTo(JSON.parse(row.envelope) as Envelope, trx);
  }

  private applyTo(message: Envelope, trx: Knex.Transaction): Promise<boolean> {
    const handler = this.options.handlers.get(message.type);
    if (!handler) throw new CleaveError('INVALID_ARGUMENT', `module "${this.options.module}" has no handler for ${message.type}`);
    return handledTraced(this.options.module, message, () => handler(message, trx));
  }

  private async fail(row: InboxRow, attempts: number, err: unknown): Promise<void> {
    const { db, module, log, metrics, maxAttempts } = this.options;
    const error = err instanceof Error ? err.message : String(err);
    const permanent = err instanceof CleaveError && err.code === 'INVALID_ARGUMENT';
    if (!permanent && attempts < maxAttempts) {
      const nextAt = Date.now() + this.backoff(attempts);
      await db('cleave_inbox').where({ seq: row.seq }).update({ attempts, next_at: nextAt, last_error: error });
      metrics?.eventsHandled.inc({ consumer: module, type: row.type, outcome: 'retry' });
      log.warn({ event: row.id, type: row.type, attempts, err }, 'event handler failed; will retry');
      return;
    }
    await db.transaction(async (trx) => {
      await trx('cleave_inbox').where({ seq: row.seq }).update({ status: 'dead', attempts, last_error: error });
      await trx('cleave_dead_letters')
        .insert({ id: row.id, type: row.type, envelope: row.envelope, attempts, error, failed_at: Date.now() })
        .onConflict('id')
        .merge();
    });
    metrics?.eventsHandled.inc({ consumer: module, type: row.type, outcome: 'dead' });
    metrics?.deadLetters.inc({ consumer: module });
    log.error({ event: row.id, type: row.type, attempts, err }, 'event moved to dead letters');
  }

  private backoff(attempts: number): number {
    const delay = Math.min(maxDelayMs, this.options.baseDelayMs * 2 ** (attempts - 1));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  /** Empties the older generation of ids once a window has passed; checked at most every quarter window. */
  private async rotate(): Promise<void> {
    const { db, dedupeWindowMs } = this.options;
    const now = Date.now();
    if (now - this.lastRotate < Math.min(rotateEveryMs, dedupeWindowMs / 4)) return;
    this.lastRotate = now;
    await expiringIds(db, inboxIds).rotate(dedupeWindowMs, now);
  }

  /** An event older than the dedupe window may be a redelivery whose id is gone: it is taken in, and said. */
  private warnIfLate(messages: Envelope[], now: number): void {
    const { dedupeWindowMs, log, module } = this.options;
    const late = messages.filter((message) => now - Date.parse(message.time) > dedupeWindowMs);
    if (late.length === 0) return;
    const { id, type, time } = late[0];
    log.warn({ consumer: module, late: late.length, event: id, type, time }, 'events older than the dedupe window arrived; if they were handled before, they are handled again');
  }
}
