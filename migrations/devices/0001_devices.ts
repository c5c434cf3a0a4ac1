import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('devices', (table) => {
    table.text('id').primary();
    table.text('name').notNullable();
    table.text('labels').notNullable();
    table.text('secret_hash');
    table.boolean('online').notNullable().defaultTo(false);
    table.text('last_seen_at');
    table.text('created_at').notNullable();
    table.text('decommissioned_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('devices');
}
