import type { Knex } from 'knex';
import { createExpiringIds, dropExpiringIds } from '../../src/index.js';

const seenMessageIds = { name: 'seen_messages', columns: ['device_id', 'message_id'] };

/**
 * Seen message ids move from one ever-growing table to an expiring id set: the ids seen so far go to its current
 * generation (kept one to two dedupe windows from now), then the old table goes.
 */
export async function up(knex: Knex): Promise<void> {
  await createExpiringIds(knex, seenMessageIds);
  await knex.raw('insert into seen_messages_0 (device_id, message_id) select device_id, message_id from seen_messages');
  await knex.schema.dropTable('seen_messages');
}

export async function down(knex: Knex): Promise<void> {
  const create = knex.schema.createTable('seen_messages', (table) => {
    table.text('device_id').notNullable();
    table.text('message_id').notNullable();
    table.bigInteger('received_at').notNullable();
    table.primary(['device_id', 'message_id']);
  });
  if (knex.client.config.client === 'better-sqlite3') await knex.raw(`${create.toString()} without rowid`);
  else await create;
  const now = Date.now();
  for (const generation of [0, 1]) {
    await knex.raw(`insert into seen_messages (device_id, message_id, received_at) select device_id, message_id, ? from seen_messages_${generation} where true on conflict do nothing`, [now]);
  }
  await dropExpiringIds(knex, seenMessageIds.name);
}
