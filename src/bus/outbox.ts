import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { insertRows, type FlatValues } from '../db/insert-rows.js';
import type { Metrics } from '../observability/metrics.js';
import type { Envelope } from './envelope.js';
import type { Transport } from './transport.js';
import { Pump } from './pump.js';

const batchSize = 1000;

/**
 * Passes of a relay start at least this far apart. An idle module's event goes out at once; under load, one pass
 * takes the events of several commits, and each consumer handles them in one transaction.
 */
const passSpacingMs = 10;

const outboxColumns = ['id', 'type', 'envelope', 'created_at'];

/**
 * How much envelope text (characters) the relay keeps of the events written in this process. Kept texts spare
 * reading each event back and parsing it again; one whose transaction rolled back stays until pushed out by newer.
 */
const keptChars = 8 * 1024 * 1024;

/** An event for the outbox: its envelope written out as JSON once, when published, with the id and type the row keeps. */
export interface OutgoingEvent {
  id: string;
  type: string;
  text: string;
}

/**
 * An envelope as the outbox will hold it. The text is its copy: a payload changed after publishing does not
 * change the event, as a deep copy would ensure, at the cost of one serialisation that writing needs anyway.
 */
export const outgoingEvent = (message: Envelope): OutgoingEvent => ({ id: message.id, type: message.type, text: JSON.stringify(message) });

/** Splits rows into runs of consecutive rows of one type, keeping their order. */
function runsByType<T extends { type: string }>(rows: T[]): T[][] {
  const runs: T[][] = [];
  for (const row of rows) {
    const last = runs.at(-1);
    if (last && last[0].type === row.type) last.push(row);
    else runs.push([row]);
  }
  return runs;
}

export interface RelayOptions {
  module: string;
  db: Knex;
  transport: Transport;
  log: Logger;
  metrics?: Metrics;
  /** When false, committed events stay in the outbox until a relay runs. */
  enabled: boolean;
}

/**
 * Dispatches a module's committed outbox rows in commit order and deletes each once the transport confirms
 * it (in-process: stored in every consumer's inbox; MQTT: PUBACK). Deleting rather than marking keeps the
 * table small and spares rewriting each row. What the table holds is what goes out: the texts written in
 * this process are kept only to save reading them back, and an event written elsewhere is read from its row.
 */
export class OutboxRelay {
  private readonly pump: Pump;
  /** Envelope texts written in this process and not yet dispatched, by envelope id, oldest first. */
  private readonly kept = new Map<string, string>();
  private keptSize = 0;

  constructor(private readonly options: RelayOptions) {
    this.pump = new Pump(() => this.drain(), options.log, 1000, passSpacingMs);
  }

  start(): void {
    if (this.options.enabled) this.pump.start();
  }

  /** Writes events into the outbox of a transaction: they are dispatched only if that transaction commits. */
  async write(trx: Knex.Transaction | Knex, events: OutgoingEvent[]): Promise<void> {
    const now = Date.now();
    const values: FlatValues = [];
    for (const { id, type, text } of events) {
      values.push(id, type, text, now);
      if (this.options.enabled) this.keep(id, text);
    }
    await insertRows(trx, 'cleave_outbox', outboxColumns, values);
  }

  /** Asks for a pass soon (after a commit that wrote events). */
  nudge(): void {
    if (this.options.enabled) this.pump.nudge();
  }

  /** Stops after a last pass that flushes what is committed. */
  async stop(): Promise<void> {
    if (!this.options.enabled) return;
    await this.pump.stop();
    await this.drain().catch((err) => this.options.log.warn({ err }, 'outbox flush failed at stop'));
  }

  private keep(id: string, text: string): void {
    this.kept.set(id, text);
    this.keptSize += text.length;
    for (const [oldest, old] of this.kept) {
      if (this.keptSize <= keptChars) break;
      this.forget(oldest, old);
    }
  }

  private forget(id: string, text = this.kept.get(id)): void {
    if (text === undefined) return;
    this.kept.delete(id);
    this.keptSize -= text.length;
  }

  private async drain(): Promise<void> {
    const { db, transport, module, metrics } = this.options;
    for (;;) {
      const rows: OutboxRow[] = await db('cleave_outbox').orderBy('seq').limit(batchSize).select('seq', 'id', 'type');
      metrics?.outboxBacklog.set({ module }, rows.length);
      if (rows.length === 0) break;
      const texts = await this.textsOf(rows);
      const done: number[] = [];
      try {
        // A row gone by the time its text is read was dispatched and deleted by another host's relay.
        for (const run of runsByType(rows.filter((row) => texts.has(row.seq)))) {
          const event = run[0].type.slice(module.length + 1);
          await transport.publish(module, event, run.map((row) => texts.get(row.seq)!));
          for (const row of run) {
            done.push(row.seq);
            this.forget(row.id);
          }
          metrics?.eventsPublished.inc({ type: run[0].type }, run.length);
        }
      } finally {
        if (done.length) await db('cleave_outbox').whereIn('seq', done).delete();
      }
      if (rows.length < batchSize) break;
    }
  }

  /** The envelope text of each row, by seq: kept from its writing, else read from the table in one query. */
  private async textsOf(rows: OutboxRow[]): Promise<Map<number, string>> {
    const texts = new Map<number, string>();
    const unknown: number[] = [];
    for (const { seq, id } of rows) {
      const text = this.kept.get(id);
      if (text === undefined) unknown.push(seq);
      else texts.set(seq, text);
    }
    if (unknown.length) {
      const read: Array<{ seq: number; envelope: string }> = await this.options.db('cleave_outbox').whereIn('seq', unknown).select('seq', 'envelope');
      for (const { seq, envelope } of read) texts.set(seq, envelope);
    }
    return texts;
  }
}

interface OutboxRow {
  seq: number;
  id: string;
  type: string;
}
