import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { Knex } from 'knex';
import { openDatabase } from '../src/db/database.js';
import { insertRows } from '../src/index.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

const columns = ['device_id', 'metric', 'value'];
const ignoreReturning = ' on conflict do nothing returning device_id, metric';

async function sqlite(t: { teardown(fn: () => unknown): void }): Promise<Knex> {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-insert-rows-'));
  const db = await openDatabase('rows', { dataDir: dir });
  t.teardown(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

async function postgres(t: { teardown(fn: () => unknown): void }): Promise<Knex> {
  const { url, drop } = await createDatabase();
  const db = await openDatabase('rows', { dataDir: ':memory:', url });
  t.teardown(async () => {
    await db.destroy();
    await drop();
  });
  return db;
}

const stores = [{ name: 'sqlite', open: sqlite }, ...((await postgresAvailable()) ? [{ name: 'postgres', open: postgres }] : [])];

for (const store of stores) {
  const table = async (t: { teardown(fn: () => unknown): void }) => {
    const db = await store.open(t);
    await db.schema.createTable('rows', (table) => {
      table.text('device_id').notNullable();
      table.text('metric').notNullable();
      table.double('value').notNullable();
      table.primary(['device_id', 'metric']);
    });
    return db;
  };

  test(`when rows are inserted with conflicts ignored (${store.name}), then only the new ones come back, in order`, async (t) => {
    const db = await table(t);
    await insertRows(db, 'rows', columns, ['d1', 'temp', 1]);

    const added = await db.transaction((trx) => insertRows(trx, 'rows', columns, ['d2', 'temp', 2, 'd1', 'temp', 3, 'd1', 'hum', 4], ignoreReturning));

    t.deepEqual(added, [{ device_id: 'd2', metric: 'temp' }, { device_id: 'd1', metric: 'hum' }]);
    const rows = await db('rows').orderBy(['device_id', 'metric']);
    t.deepEqual(rows.map((row) => [row.device_id, row.metric, Number(row.value)]), [['d1', 'hum', 4], ['d1', 'temp', 1], ['d2', 'temp', 2]]);
  });

  test(`when a returned column is not one inserted (${store.name}), then the store's value comes back`, async (t) => {
    const db = await table(t);
    await db.schema.alterTable('rows', (table) => table.text('note').notNullable().defaultTo('kept'));

    const added = await insertRows(db, 'rows', columns, ['d1', 'temp', 1], ' on conflict do nothing returning metric, note');

    t.deepEqual(added, [{ metric: 'temp', note: 'kept' }]);
  });

  test(`when one row cannot be stored (${store.name}), then the transaction keeps none of them`, async (t) => {
    const db = await table(t);

    const failed = db.transaction((trx) => insertRows(trx, 'rows', columns, ['d1', 'temp', 1, 'd1', 'hum', null]));

    await t.throwsAsync(failed, { any: true });
    t.deepEqual(await db('rows'), []);
  });
}
