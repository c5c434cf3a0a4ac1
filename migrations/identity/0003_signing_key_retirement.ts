import type { Knex } from 'knex';

/** When a key stopped signing plus the token lifetime: past it no token it signed is valid, and it leaves the key set. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('signing_keys', (table) => {
    table.text('retired_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('signing_keys', (table) => {
    table.dropColumn('retired_at');
  });
}
