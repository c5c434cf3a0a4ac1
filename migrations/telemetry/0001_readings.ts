import type { Knex } from 'knex';

/**
 * On SQLite these tables are WITHOUT ROWID: one b-tree ordered by the key instead of a table plus a key index.
 * PostgreSQL gets the same definition as a plain table.
 */
async function createKeyedTable(knex: Knex, name: string, build: (table: Knex.CreateTableBuilder) => void): Promise<void> {
  const create = knex.schema.createTable(name, build);
  if (knex.client.config.client === 'better-sqlite3') await knex.raw(`${create.toString()} without rowid`);
  else await create;
}

function readingColumns(table: Knex.CreateTableBuilder): void {
  table.text('device_id').notNullable();
  table.text('metric').notNullable();
  table.bigInteger('ts').notNullable();
  table.double('value').notNullable();
  table.bigInteger('received_at').notNullable();
}

export async function up(knex: Knex): Promise<void> {
  await createKeyedTable(knex, 'readings', (table) => {
    readingColumns(table);
    // Device, then time: a group of messages writes at one place per device (the end of its readings), not one
    // per metric, so ingestion touches several times fewer pages. Queries by metric filter within the device's range.
    table.primary(['device_id', 'ts', 'metric']);
  });
  // The newest reading of each metric of each device, kept at ingestion so reading it never scans history.
  await createKeyedTable(knex, 'latest_readings', (table) => {
    readingColumns(table);
    table.primary(['device_id', 'metric']);
  });
  await createKeyedTable(knex, 'seen_messages', (table) => {
    table.text('device_id').notNullable();
    table.text('message_id').notNullable();
    table.bigInteger('received_at').notNullable();
    table.primary(['device_id', 'message_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('seen_messages');
  await knex.schema.dropTable('latest_readings');
  await knex.schema.dropTable('readings');
}
