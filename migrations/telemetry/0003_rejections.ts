import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rejections', (table) => {
    table.increments('seq').primary();
    table.text('device_id').notNullable();
    table.text('topic').notNullable();
    table.text('code').notNullable();
    table.text('reason').notNullable();
    table.text('payload').nullable();
    table.bigInteger('received_at').notNullable();
    table.index(['received_at'], 'rejections_received');
    table.index(['device_id', 'received_at'], 'rejections_device_received');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rejections');
}
