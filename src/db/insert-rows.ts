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
 * When `tail` returns only inserted columns (`... returning a, b`): the statement without that clause, and how to
 * build a returned row from the values given. SQLite then neither collects nor converts the rows it returns.
 */
function echoedColumns(columns: readonly string[], tail: string) {
  const found = /^(.*?)\s+returning\s+([\w\s,]+)$/i.exec(tail);
  if (!found) return undefined;
  const names = found[2].split(',').map((name) => name.trim());
  const at = names.map((name) => columns.indexOf(name));
  if (at.some((i) => i < 0)) return undefined;
  const rowOf = (values: FlatValues, start: number) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]] = values[start + at[i]];
    return row;
  };
  return { tail: found[1], rowOf };
}

/**
 * Inserts rows given as one flat list of values and returns the rows `tail` returns (e.g.
 * `on conflict do nothing returning ...`), in the order of the rows inserted.
 *
 * On SQLite, one single-row statement, prepared once and cached by the connection, runs per row inside the
 * transaction `db` (or one opened for the call): better-sqlite3 runs it synchronously, with no SQL text to build,
 * and a multi-row statement would be prepared anew for every number of rows. Returned columns that were inserted
 * come back as the values given. On PostgreSQL, multi-row statements
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
    const echoed = returning ? echoedColumns(columns, tail) : undefined;
    const statement = conn.prepare(head + tuple + (echoed ? echoed.tail : tail));
    const returned: T[] = [];
    const row: unknown[] = new Array(width);
    for (let start = 0; start < values.length; start += width) {
      for (let i = 0; i < width; i++) row[i] = bindable(values[start + i]);
      if (echoed) {
        if ((statement.run(...row) as { changes: number }).changes === 1) returned.push(echoed.rowOf(values, start) as T);
      } else if (!returning) statement.run(...row);
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
