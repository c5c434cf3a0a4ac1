import type { Knex } from 'knex';

/** The kernel's own tables in every module's store: outbox, inbox and dead letters. */
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
};
