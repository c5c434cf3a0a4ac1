/**
 * Bytes per deduplication id, before (telemetry's `seen_messages` keeping every id, handled inbox rows kept 7 days)
 * and after (expiring id sets), on SQLite and, with `--pg <url>`, PostgreSQL; then the size of a SQLite file while
 * the window turns under a constant rate. Run: `node dist/bench/dedupe-bytes.js [--pg postgres://...]`.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../src/db/database.js';
import { createExpiringIds, expiringIds } from '../src/db/expiring-ids.js';
import { inboxIds } from '../src/db/kernel-migrations.js';
import { migrateUp } from '../src/db/migrate.js';

const deviceIds = 1_000_000;
const eventIds = 100_000;
const devices = 20;
const chunk = 5000;
const seen = { name: 'seen_messages', columns: ['device_id', 'message_id'] };
const noMigrations = new URL('file:///nonexistent/cleave-no-migrations/');

/** The n-th device message id as a simulated device sends it: its device, and a per-device counter. */
const deviceKey = (n: number) => [`sim-device-${String(n % devices).padStart(3, '0')}`, `msg-${Math.floor(n / devices)}`];

const isSqlite = (db: Knex) => db.client.config.client === 'better-sqlite3';

async function bytesOf(db: Knex, tables: string[]): Promise<number> {
  let total = 0;
  for (const table of tables) {
    if (isSqlite(db)) {
      const [row] = await db.raw(`select sum(pgsize) as bytes from dbstat where name in (select name from sqlite_schema where tbl_name = ?)`, [table]);
      total += Number(row.bytes ?? 0);
    } else {
      const { rows } = await db.raw('select pg_total_relation_size(?::regclass) as bytes', [table]);
      total += Number(rows[0].bytes);
    }
  }
  return total;
}

async function oldTables(db: Knex): Promise<void> {
  const create = db.schema.createTable('old_seen_messages', (table) => {
    table.text('device_id').notNullable();
    table.text('message_id').notNullable();
    table.bigInteger('received_at').notNullable();
    table.primary(['device_id', 'message_id']);
  });
  if (isSqlite(db)) await db.raw(`${create.toString()} without rowid`);
  else await create;
}

async function fillOld(db: Knex): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < deviceIds; start += chunk) {
    const rows = Array.from({ length: chunk }, (_, i) => {
      const [device_id, message_id] = deviceKey(start + i);
      return { device_id, message_id, received_at: now };
    });
    await db.batchInsert('old_seen_messages', rows, 400);
  }
  // As the inbox did: stored on arrival with its envelope, then handled (marked done, the envelope cleared).
  const envelope = JSON.stringify({ id: randomUUID(), type: 'telemetry.readingsRecorded', data: { deviceId: 'sim-device-000', readings: Array.from({ length: 4 }, (_, i) => ({ metric: `m${i}`, value: i, ts: new Date(now).toISOString() })) } });
  for (let start = 0; start < eventIds; start += chunk) {
    const rows = Array.from({ length: chunk }, () => ({
      id: randomUUID(), type: 'telemetry.readingsRecorded', envelope, status: 'pending', attempts: 0, next_at: now, received_at: now,
    }));
    await db.batchInsert('cleave_inbox', rows, 400);
    await db('cleave_inbox').where({ status: 'pending' }).update({ status: 'done', envelope: '', attempts: 1, processed_at: now });
  }
}

async function claimAll(db: Knex, spec: typeof seen | typeof inboxIds, keyOf: (n: number) => string[], count: number, offset = 0): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    const keys = Array.from({ length: Math.min(chunk, count - start) }, (_, i) => keyOf(offset + start + i)).flat();
    await db.transaction((trx) => expiringIds(trx, spec).claim(keys));
  }
}

async function measure(label: string, url: string, dataDir: string): Promise<void> {
  const db = await openDatabase('dedupe', { dataDir, url });
  try {
    await migrateUp({ module: 'dedupe', db, folder: noMigrations });
    await createExpiringIds(db, seen);
    await oldTables(db);
    await fillOld(db);
    await claimAll(db, seen, deviceKey, deviceIds);
    await claimAll(db, inboxIds, () => [randomUUID()], eventIds);
    if (!isSqlite(db)) await db.raw('vacuum analyze');
    const old = { seen: await bytesOf(db, ['old_seen_messages']), inbox: await bytesOf(db, ['cleave_inbox']) };
    const now = { seen: await bytesOf(db, [`${seen.name}_0`, `${seen.name}_1`]), inbox: await bytesOf(db, [`${inboxIds.name}_0`, `${inboxIds.name}_1`]) };
    const per = (bytes: number, n: number) => (bytes / n).toFixed(1);
    console.log(`${label}: device ids before ${per(old.seen, deviceIds)} B/id (${(old.seen / 1e6).toFixed(1)} MB), after ${per(now.seen, deviceIds)} B/id (${(now.seen / 1e6).toFixed(1)} MB)`);
    console.log(`${label}: inbox ids before ${per(old.inbox, eventIds)} B/id (handled rows), after ${per(now.inbox, eventIds)} B/id`);
  } finally {
    await db.destroy();
  }
}

/** A SQLite file under a constant rate: each window claims `perWindow` ids, then the window turns. */
async function turns(dataDir: string): Promise<void> {
  const file = join(dataDir, 'turns.sqlite');
  const db = await openDatabase('turns', { dataDir, url: `sqlite:${file}` });
  try {
    await migrateUp({ module: 'turns', db, folder: noMigrations });
    await createExpiringIds(db, seen, 0);
    const perWindow = 500_000;
    const sizes: string[] = [];
    for (let turn = 1; turn <= 5; turn++) {
      await claimAll(db, seen, deviceKey, perWindow, turn * perWindow);
      await expiringIds(db, seen).rotate(1, turn * 1000);
      await db.raw('pragma wal_checkpoint(truncate)');
      sizes.push(`${(statSync(file).size / 1e6).toFixed(1)} MB`);
    }
    console.log(`sqlite file after each of 5 windows of ${perWindow} device ids (auto_vacuum incremental): ${sizes.join(', ')}`);
  } finally {
    await db.destroy();
  }
}

const pgAt = process.argv.indexOf('--pg');
const dir = mkdtempSync(join(tmpdir(), 'cleave-dedupe-bytes-'));
try {
  await measure('sqlite', `sqlite:${join(dir, 'dedupe.sqlite')}`, dir);
  if (pgAt > 0) await measure('postgres', process.argv[pgAt + 1], dir);
  await turns(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
