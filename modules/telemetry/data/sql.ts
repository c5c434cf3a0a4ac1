import type { Knex } from '../../../src/index.js';
import type { Range } from '../time.js';

export type Db = Knex | Knex.Transaction;

/** Rows as one flat list of bound values. */
export type Values = Knex.Value[];

/** SQLite's limit of bound values per statement (PostgreSQL allows more). */
const maxBindings = 32766;

/** The rows of a raw query on either store: better-sqlite3 answers an array, pg a result holding `rows`. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/**
 * Inserts rows given as one flat list of values (`columns.length` per row) with as few multi-row statements as
 * the binding limit allows. `tail` ends each statement (e.g. `on conflict do nothing returning ...`); the rows
 * it returns are collected.
 */
export async function insertMany<T>(db: Db, table: string, columns: readonly string[], values: Values, tail = ''): Promise<T[]> {
  const width = columns.length;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  const step = Math.floor(maxBindings / width) * width;
  const returning = /\breturning\b/.test(tail);
  const returned: T[] = [];
  for (let start = 0; start < values.length; start += step) {
    const chunk = values.slice(start, start + step);
    const result = await db.raw(head + Array(chunk.length / width).fill(tuple).join(', ') + tail, chunk);
    if (returning) for (const row of rowsOf<T>(result)) returned.push(row);
  }
  return returned;
}

/** Keeps rows whose `column` lies in `range`. */
export function inRange(query: Knex.QueryBuilder, column: string, { from, to }: Range): Knex.QueryBuilder {
  if (from !== undefined) query.where(column, '>=', from);
  if (to !== undefined) query.where(column, '<', to);
  return query;
}
