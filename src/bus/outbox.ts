import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { insertRows, type FlatValues } from '../db/insert-rows.js';
import type { Metrics } from '../observability/metrics.js';
import type { Envelope } from './envelope.js';
import type { Transport } from './transport.js';
import { Pump } from './pump.js';

const batchSize = 1000;

const outboxColumns = ['id', 'type', 'envelope', 'created_at'];

/** Writes events into the outbox of a transaction: they are dispatched only if that transaction commits. */
export async function writeOutbox(trx: Knex.Transaction | Knex, messages: Envelope[]): Promise<void> {
  const now = Date.now();
  const values: FlatValues = [];
  for (const m of messages) values.push(m.id, m.type, JSON.stringify(m), now);
  await insertRows(trx, 'cleave_outbox', outboxColumns, values);
}

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
 * table small and spares rewriting each row.
 */
export class OutboxRelay {
  private readonly pump: Pump;

  constructor(private readonly options: RelayOptions) {
    this.pump = new Pump(() => this.drain(), options.log, 1000);
  }

  start(): void {
    if (this.options.enabled) this.pump.start();
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

  private async drain(): Promise<void> {
    const { db, transport, module, metrics } = this.options;
    for (;;) {
      const rows: Array<{ seq: number; type: string; envelope: string }> = await db('cleave_outbox')
        .orderBy('seq')
        .limit(batchSize)
        .select('seq', 'type', 'envelope');
      metrics?.outboxBacklog.set({ module }, rows.length);
      if (rows.length === 0) break;
      const done: number[] = [];
      try {
        for (const run of runsByType(rows)) {
          const event = run[0].type.slice(module.length + 1);
          await transport.publish(module, event, run.map((row) => JSON.parse(row.envelope) as Envelope));
          done.push(...run.map((row) => row.seq));
          metrics?.eventsPublished.inc({ type: run[0].type }, run.length);
        }
      } finally {
        if (done.length) await db('cleave_outbox').whereIn('seq', done).delete();
      }
      if (rows.length < batchSize) break;
    }
  }
}
