import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rules', (table) => {
    table.text('id').primary();
    table.text('name').notNullable();
    table.text('device_id').index();
    table.text('metric').notNullable().index();
    table.text('op').notNullable();
    table.double('threshold').notNullable();
    table.text('created_at').notNullable();
  });
  await knex.schema.createTable('alerts', (table) => {
    table.text('id').primary();
    table.text('rule_id').notNullable().index();
    table.text('rule_name').notNullable();
    table.text('device_id').notNullable().index();
    table.text('metric').notNullable();
    table.text('state').notNullable();
    table.double('value').notNullable();
    table.double('threshold').notNullable();
    table.text('raised_at').notNullable().index();
    table.text('acknowledged_at');
    table.text('acknowledged_by');
    table.text('resolved_at');
    // At most one unresolved alert per (rule, device), whatever the deliveries or races.
    table.unique(['rule_id', 'device_id'], { indexName: 'alerts_one_unresolved', predicate: knex.whereRaw("state <> 'resolved'") });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('alerts');
  await knex.schema.dropTable('rules');
}
