import { insertRows, type Knex } from '../../../src/index.js';
import type { Range } from '../time.js';

export type Db = Knex | Knex.Transaction;

/** Rows as one flat list of bound values. */
export type Values = Knex.Value[];

/** Inserts rows given as one flat list of values; `tail` ends the statement, and the rows it returns are collected. */
export const insertMany = <T>(db: Db, table: string, columns: readonly string[], values: Values, tail = ''): Promise<T[]> =>
  insertRows<T>(db, table, columns, values, tail);

/** Keeps rows whose `column` lies in `range`. */
export function inRange(query: Knex.QueryBuilder, column: string, { from, to }: Range): Knex.QueryBuilder {
  if (from !== undefined) query.where(column, '>=', from);
  if (to !== undefined) query.where(column, '<', to);
  return query;
}
