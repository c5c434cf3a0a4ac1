import test from 'ava';
import type { Knex } from 'knex';
import { openDatabase } from '../src/db/database.js';
import { preparedRead } from '../src/index.js';
import { createDatabase, postgresAvailable } from './support/postgres.js';

interface Row {
  id: string;
  email: string;
  n: number;
}

async function withUsers(db: Knex): Promise<Knex> {
  await db.schema.createTable('users', (table) => {
    table.string('id').primary();
    table.string('email');
    table.integer('n');
  });
  await db('users').insert([
    { id: 'a', email: 'a@example.test', n: 1 },
    { id: 'b', email: 'b@example.test', n: 2 },
  ]);
  return db;
}

/** The queries knex itself ran on `db` while `fn` ran. */
async function knexQueries(db: Knex, fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (query: { sql: string }) => seen.push(query.sql);
  db.on('query', listener);
  try {
    await fn();
  } finally {
    db.off('query', listener);
  }
  return seen;
}

const byId = (db: Knex | Knex.Transaction) => preparedRead(db, (q, p: { id: string }) => q<Row>('users').where({ id: p.id }).first());
const atLeast = (db: Knex | Knex.Transaction) => preparedRead(db, (q, p: { n: number }) => q<Row>('users').where('n', '>=', p.n).orderBy('id'));

test('when a read runs on a free SQLite connection, then it answers what knex answers without running a knex query', async (t) => {
  const db = await withUsers(await openDatabase('reads', { dataDir: ':memory:' }));
  t.teardown(() => db.destroy());
  const one = byId(db);
  const many = atLeast(db);

  let answers: unknown[] = [];
  const ran = await knexQueries(db, async () => {
    answers = [await one({ id: 'a' }), await one({ id: 'nobody' }), await many({ n: 2 })];
  });

  t.deepEqual(answers, [
    await db('users').where({ id: 'a' }).first(),
    undefined,
    await db('users').where('n', '>=', 2).orderBy('id'),
  ]);
  t.deepEqual(ran, []);
});

test('when a transaction holds the SQLite connection, then a read waits for it and never sees its rolled-back rows', async (t) => {
  const db = await withUsers(await openDatabase('reads', { dataDir: ':memory:' }));
  t.teardown(() => db.destroy());
  const one = byId(db);
  const trx = await db.transaction();
  await trx('users').insert({ id: 'c', email: 'c@example.test', n: 3 });

  const read = one({ id: 'c' });
  await new Promise((resolve) => setImmediate(resolve));
  await trx.rollback();

  t.is(await read, undefined);
});

test('when a read runs inside a transaction, then it sees the transaction\'s own writes', async (t) => {
  const db = await withUsers(await openDatabase('reads', { dataDir: ':memory:' }));
  t.teardown(() => db.destroy());

  const row = await db.transaction(async (trx) => {
    await trx('users').insert({ id: 'c', email: 'c@example.test', n: 3 });
    return byId(trx)({ id: 'c' });
  });

  t.like(row, { id: 'c', n: 3 });
});

test('when a parameter is null or a query cannot be prepared as is, then the read is the knex query', async (t) => {
  const db = await withUsers(await openDatabase('reads', { dataDir: ':memory:' }));
  t.teardown(() => db.destroy());
  const one = byId(db);
  const limited = preparedRead(db, (q, p: { limit: number }) => q<Row>('users').orderBy('id').limit(p.limit));

  let missing: unknown;
  const ran = await knexQueries(db, async () => {
    missing = await one({ id: null as unknown as string });
  });

  t.is(missing, undefined);
  t.is(ran.length, 1);
  t.deepEqual(await limited({ limit: 1 }), [await db('users').orderBy('id').first()]);
});

test('when a read runs on PostgreSQL, then it answers what knex answers', async (t) => {
  if (!(await postgresAvailable())) return t.pass('PostgreSQL is not available');
  const database = await createDatabase();
  t.teardown(() => database.drop());
  const db = await withUsers(await openDatabase('reads', { dataDir: ':memory:', url: database.url }));
  t.teardown(() => db.destroy());

  t.like(await byId(db)({ id: 'b' }), { id: 'b', n: 2 });
  t.deepEqual((await atLeast(db)({ n: 1 })).map((row) => row.id), ['a', 'b']);
});
