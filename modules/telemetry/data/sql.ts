import type { Knex } from '../../../src/index.js';
import type { Range } from '../time.js';

export type Db = Knex | Knex.Transaction;


/** Keeps rows whose `column` lies in `range`. */
export function inRange(query: Knex.QueryBuilder, column: string, { from, to }: Range): Knex.QueryBuilder {
  if (from !== undefined) query.where(column, '>=', from);
  if (to !== undefined) query.where(column, '<', to);
  return query;
}
