import type { Knex } from 'knex';
import { createExpiringIds, dropExpiringIds, expiringIdsState } from './expiring-ids.js';

/** The ids of events an inbox took in, kept one to two dedupe windows (`bus.inbox.dedupeWindowMs`). */
export const inboxIds = { name: 'cleave_inbox_ids', columns: ['id'] } as const;

/** The kernel's own tables in every module's store: outbox, inbox and dead letters, and the inbox's expiring ids. */
export const kernelMigrations: Record<string, { up(db: Knex): Promise<void>; down(db: Knex): Promise<void> }> = {
  '0001_outbox_inbox_dead_letters': {
    async up(db) {
      await db.schema.createTable('cleave_outbox', (t) => {
        t.increments('seq').primary();
        t.string('id', 64).notNullable().unique();
        t.string('type', 200).notNullable();
        t.text('envelope').notNullable();
        t.bigInteger('created_at').notNullable();
      });
      await db.schema.createTable('cleave_inbox', (t) => {
        t.increments('seq').primary();
        t.string('id', 64).notNullable().unique();
        t.string('type', 200).notNullable();
        t.text('envelope').notNullable();
        t.string('status', 16).notNullable();
        t.integer('attempts').notNullable().defaultTo(0);
        t.bigInteger('next_at').notNullable();
        t.text('last_error').nullable();
        t.bigInteger('received_at').notNullable();
        t.bigInteger('processed_at').nullable();
        t.index(['status', 'next_at']);
      });
      await db.schema.createTable('cleave_dead_letters', (t) => {
        t.string('id', 64).primary();
        t.string('type', 200).notNullable();
        t.text('envelope').notNullable();
        t.integer('attempts').notNullable();
        t.text('error').notNullable();
        t.bigInteger('failed_at').notNullable();
      });
    },
    async down(db) {
      await db.schema.dropTable('cleave_dead_letters');
      await db.schema.dropTable('cleave_inbox');
      await db.schema.dropTable('cleave_outbox');
    },
  },
  '0002_expiring_ids': {
    async up(db) {
      await db.schema.createTable(expiringIdsState, (t) => {
        t.string('name', 64).primary();
        t.integer('current').notNullable();
        t.bigInteger('switched_at').notNullable();
      });
      await createExpiringIds(db, inboxIds);
      // Handled events kept their id for deduplication: the ids move to the current generation, the rows go.
      await db.raw(`insert into ${inboxIds.name}_0 (id) select id from cleave_inbox where status = 'done'`);
      await db('cleave_inbox').where({ status: 'done' }).delete();
    },
    async down(db) {
      await dropExpiringIds(db, inboxIds.name);
      await db.schema.dropTable(expiringIdsState);
    },
  },
};
