import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('known_devices', (table) => {
    table.text('id').primary();
    table.boolean('decommissioned').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('commands', (table) => {
    // `seq` orders commands as they were queued, even within one millisecond.
    table.increments('seq');
    table.text('id').notNullable().unique();
    table.text('device_id').notNullable();
    table.text('name').notNullable();
    table.text('args').notNullable();
    table.text('state').notNullable();
    table.text('created_at').notNullable();
    table.text('expires_at').notNullable();
    table.text('delivered_at');
    table.text('finished_at');
    table.text('result');
    table.text('error');
    table.index(['device_id', 'seq']);
    table.index(['state', 'expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('commands');
  await knex.schema.dropTable('known_devices');
}
