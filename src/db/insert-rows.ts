import type { Knex } from 'knex';

/** Rows as one flat list of bound values, `columns.length` a row. */
export type FlatValues = Knex.Value[];

/** A better-sqlite3 connection, as far as inserts use it (prepared statements are cached by the connection). */
interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

interface SqliteStatement {
  run(...values: unknown[]): unknown;
  get(...values: unknown[]): unknown;
}

/** SQLite's limit of bound values per statement (PostgreSQL allows more). */
const maxBindings = 32766;

const isSqlite = (db: Knex) => db.client.config.client === 'better-sqlite3';

/** The rows of a raw query on PostgreSQL: a result holding `rows` (better-sqlite3 answers an array). */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; knex would have turned these into numbers. */
const bindable = (value: Knex.Value): unknown => (typeof value === 'boolean' ? Number(value) : value instanceof Date ? value.valueOf() : value);

/**
 * Inserts rows given as one flat list of values and returns the rows `tail` returns (e.g.
 * `on conflict do nothing returning ...`), in the order of the rows inserted.
 *
 * On SQLite, one single-row statement, prepared once and cached by the connection, runs per row inside the
 * transaction `db` (or one opened for the call): better-sqlite3 runs it synchronously, with no SQL text to build,
 * and a multi-row statement would be prepared anew for every number of rows. On PostgreSQL, multi-row statements
 * as large as the binding limit allows, one round trip each.
 */
export async function insertRows<T>(db: Knex | Knex.Transaction, table: string, columns: readonly string[], values: FlatValues, tail = ''): Promise<T[]> {
  if (values.length === 0) return [];
  const width = columns.length;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const returning = /\breturning\b/i.test(tail);
  if (isSqlite(db)) {
    if (!db.isTransaction) return db.transaction((trx) => insertRows<T>(trx, table, columns, values, tail));
    const conn = (await db.client.acquireConnection()) as SqliteConnection;
    const statement = conn.prepare(head + tuple + tail);
    const returned: T[] = [];
    const row: unknown[] = new Array(width);
    for (let start = 0; start < values.length; start += width) {
      for (let i = 0; i < width; i++) row[i] = bindable(values[start + i]);
      if (!returning) statement.run(...row);
      else {
        const added = statement.get(...row) as T | undefined;
        if (added !== undefined) returned.push(added);
      }
    }
    return returned;
  }
  const step = Math.floor(maxBindings / width) * width;
  const returned: T[] = [];
  for (let start = 0; start < values.length; start += step) {
    const chunk = values.slice(start, start + step);
    const result = await db.raw(head + Array(chunk.length / width).fill(tuple).join(', ') + tail, chunk);
    if (returning) for (const added of rowsOf<T>(result)) returned.push(added);
  }
  return returned;
}
