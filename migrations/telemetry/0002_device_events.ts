import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('device_events', (table) => {
    table.increments('seq').primary();
    table.text('device_id').notNullable();
    table.text('type').notNullable();
    table.text('message_id').nullable();
    table.bigInteger('ts').notNullable();
    table.text('data').notNullable();
    table.bigInteger('received_at').notNullable();
    table.index(['device_id', 'ts'], 'device_events_device_ts');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('device_events');
}
