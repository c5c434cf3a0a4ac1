import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { Knex } from 'knex';
import { openDatabase } from '../src/db/database.js';
import { expiringIds, reclaimFreePages } from '../src/db/expiring-ids.js';
import { inboxIds, kernelMigrations } from '../src/db/kernel-migrations.js';
import { migrateUp } from '../src/db/migrate.js';
import * as expiringSeenMessages from '../migrations/telemetry/0005_expiring_seen_messages.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

/**
 * The kernel's expiring id set, on the inbox's own set, as two hosts sharing one store see it: each host opens
 * the module's store with its own connections. Time is passed to `rotate`, so windows turn without waiting.
 */
const stores = (await postgresAvailable()) ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
const window = 60_000;
const noMigrations = new URL('file:///nonexistent/cleave-no-migrations/');
const telemetryMigrations = new URL('../migrations/telemetry/', import.meta.url);

async function sharedStore(t: ExecutionContext, store: (typeof stores)[number]): Promise<[Knex, Knex]> {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-ids-'));
  const database = store === 'postgres' ? await createDatabase() : undefined;
  const url = database?.url ?? `sqlite:${join(dir, 'dedupe.sqlite')}`;
  const first = await openDatabase('dedupe', { dataDir: dir, url });
  await migrateUp({ module: 'dedupe', db: first, folder: noMigrations });
  const second = await openDatabase('dedupe', { dataDir: dir, url });
  t.teardown(async () => {
    await first.destroy();
    await second.destroy();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return [first, second];
}

const claim = (db: Knex, ids: string[]) => db.transaction(async (trx) => (await expiringIds(trx, inboxIds).claim(ids)).map(([id]) => String(id)).sort());
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
const rowsOf = async (db: Knex) => Number((await db(`${inboxIds.name}_0`).count({ n: '*' }).first())!.n) + Number((await db(`${inboxIds.name}_1`).count({ n: '*' }).first())!.n);

for (const store of stores) {
  test(`[${store}] when an id is claimed again within the window, even after one turn, then it is claimed once; after two turns it is forgotten`, async (t) => {
    const [db] = await sharedStore(t, store);
    const set = expiringIds(db, inboxIds);
    const start = Date.now();

    t.deepEqual(await claim(db, ['a', 'b', 'a']), ['a', 'b']);
    t.deepEqual(await claim(db, ['a', 'b', 'c']), ['c']);
    t.false(await set.rotate(window, start + window / 2), 'no turn before a window has passed');
    t.true(await set.rotate(window, start + window));
    t.deepEqual(await claim(db, ['a', 'b', 'c', 'd']), ['d'], 'ids of the previous generation are still known');
    t.true(await set.rotate(window, start + 2 * window));

    t.deepEqual(await claim(db, ['a', 'b', 'c', 'd']), ['a', 'b', 'c'], 'ids older than two turns are forgotten; d is one turn old');
  });

  test(`[${store}] when ids keep coming at a constant rate, then the set holds at most two windows of them`, async (t) => {
    const [db] = await sharedStore(t, store);
    const set = expiringIds(db, inboxIds);
    const perWindow = 500;
    const start = Date.now();

    const sizes: number[] = [];
    for (let turn = 1; turn <= 5; turn++) {
      await claim(db, ids(`w${turn}`, perWindow));
      await set.rotate(window, start + turn * window);
      sizes.push(await rowsOf(db));
    }
    await reclaimFreePages(db);

    t.true(sizes.every((size) => size <= 2 * perWindow), `sizes ${sizes.join(', ')}`);
    t.is(sizes.at(-1), perWindow, 'after a turn only the last window is held');
  });

  test(`[${store}] when a store whose inbox kept handled events is upgraded, then their ids stay known and the rows go`, async (t) => {
    const [db] = await sharedStore(t, store);
    await kernelMigrations['0002_expiring_ids'].down(db);
    await db('cleave_kernel_migrations').where({ name: '0002_expiring_ids' }).delete();
    const row = (id: string, status: string) => ({ id, type: 'ledger.recorded', envelope: status === 'done' ? '' : '{}', status, attempts: 1, next_at: 0, received_at: 0 });
    await db('cleave_inbox').insert([row('handled-1', 'done'), row('handled-2', 'done'), row('waiting', 'pending')]);

    await migrateUp({ module: 'dedupe', db, folder: noMigrations });

    t.deepEqual(await claim(db, ['handled-1', 'handled-2', 'new']), ['new']);
    t.deepEqual(await db('cleave_inbox').pluck('id'), ['waiting']);
  });

  test(`[${store}] when telemetry's seen message ids are upgraded, then the ids seen so far stay known`, async (t) => {
    const [db] = await sharedStore(t, store);
    await migrateUp({ module: 'telemetry', db, folder: telemetryMigrations });
    await expiringSeenMessages.down(db);
    await db('cleave_migrations').where({ name: '0005_expiring_seen_messages' }).delete();
    await db('seen_messages').insert([{ device_id: 'd1', message_id: 'm-1', received_at: 1 }, { device_id: 'd2', message_id: 'm-1', received_at: 2 }]);

    await migrateUp({ module: 'telemetry', db, folder: telemetryMigrations });

    const seen = { name: 'seen_messages', columns: ['device_id', 'message_id'] };
    const claimed = await db.transaction((trx) => expiringIds(trx, seen).claim(['d1', 'm-1', 'd2', 'm-1', 'd1', 'm-2']));
    t.deepEqual(claimed, [['d1', 'm-2']]);
  });

  // Hosts sharing a store are PostgreSQL's case: SQLite serialises writers, and two connections in one process
  // cannot wait on each other (better-sqlite3 blocks the thread while it waits for the file's lock).
  if (store !== 'postgres') continue;
  test(`[${store}] when two hosts sharing a store turn the window at once while both claim, then one turn happens and no id within the window is lost`, async (t) => {
    const [one, two] = await sharedStore(t, store);
    const start = Date.now();
    const before = ids('before', 300);
    t.deepEqual(await claim(one, before), before);
    const racing = ids('racing', 300);

    const [turnedByOne, turnedByTwo, claimedByOne, claimedByTwo] = await Promise.all([
      expiringIds(one, inboxIds).rotate(window, start + window),
      expiringIds(two, inboxIds).rotate(window, start + window),
      claim(one, racing),
      claim(two, racing),
    ]);

    t.is([turnedByOne, turnedByTwo].filter(Boolean).length, 1, 'exactly one host turns the window');
    t.deepEqual([...claimedByOne, ...claimedByTwo].sort(), racing, 'each racing id is claimed by one host');
    t.deepEqual(await claim(two, [...before, ...racing]), [], 'ids of this and the previous window are known to both hosts');
    t.deepEqual(await claim(one, [...before, ...racing]), []);
  });
}
