import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import test from 'ava';
import pg from 'pg';
import { startTestHost, type TestHost } from './support/host.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'cleave-own-db-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function rows(file: string, sql: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

async function registerDevice(host: TestHost, id: string): Promise<number> {
  const res = await fetch(`${host.url}/api/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await host.login()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, name: 'Boiler room' }),
  });
  return res.status;
}

test('when devices.db.url names a SQLite file, then devices are stored there and the other modules keep the default', async (t) => {
  const own = join(tempDir(t), 'devices', 'registry.sqlite');
  const host = await startTestHost({ config: { 'devices.db.url': `sqlite:${own}` } });
  t.teardown(() => host.stop());

  const status = await registerDevice(host, 'boiler-1');
  const ready = await fetch(`${host.url}/readyz`);

  t.is(status, 201);
  t.deepEqual(rows(own, 'select id from devices'), [{ id: 'boiler-1' }]);
  t.false(existsSync(join(host.dataDir, 'devices.sqlite')));
  t.is(rows(join(host.dataDir, 'identity.sqlite'), 'select email from users').length, 1);
  t.is(ready.status, 200);
  t.like(await ready.json(), { checks: { 'database:devices': 'ok', 'database:identity': 'ok' } });
});

test('when devices.db.url names a PostgreSQL database, then devices live in its schema there and the others stay in SQLite', async (t) => {
  if (!(await postgresAvailable())) return t.pass('PostgreSQL is not available');
  const database = await createDatabase();
  t.teardown(() => database.drop());
  const host = await startTestHost({ config: { 'devices.db.url': database.url } });
  t.teardown(() => host.stop());

  const status = await registerDevice(host, 'boiler-2');

  t.is(status, 201);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    t.deepEqual((await client.query('select id from devices.devices')).rows, [{ id: 'boiler-2' }]);
  } finally {
    await client.end();
  }
  t.false(existsSync(join(host.dataDir, 'devices.sqlite')));
  t.true(existsSync(join(host.dataDir, 'telemetry.sqlite')));
});

test('when a module database cannot be opened, then start-up fails naming the module and its key', async (t) => {
  const error = await t.throwsAsync(startTestHost({ config: { 'alerts.db.url': 'postgres://postgres@127.0.0.1:1/nowhere' } }));

  t.regex(error!.message, /^cannot open the database of module alerts \(alerts\.db\.url\): /);
  t.false(error!.message.includes('postgres@'), 'the URL is not echoed');
});

test('when a module database URL is not a database, then start-up fails naming the key', async (t) => {
  const error = await t.throwsAsync(startTestHost({ config: { 'devices.db.url': 'https://example.test/db' } }));

  t.regex(error!.message, /^config key "devices\.db\.url" has a bad value \(hidden, sensitive\) from overrides: must be empty, a postgres:\/\/ URL/);
});
