import type { Knex } from 'knex';

/** The part of a better-sqlite3 connection a prepared read uses. */
export interface SqliteConnection {
  readonly open: boolean;
  prepare(sql: string): SqliteStatement;
}

interface SqliteStatement {
  get(...bindings: unknown[]): unknown;
  all(...bindings: unknown[]): unknown[];
}

/** The one connection of each SQLite knex instance Cleave opened (see `openDatabase`), once the pool has made it. */
const sqliteConnections = new WeakMap<Knex, () => SqliteConnection | undefined>();

/** Lets prepared reads on `db` reach its SQLite connection; called by `openDatabase` for every SQLite database. */
export function registerSqliteConnection(db: Knex, connection: () => SqliteConnection | undefined): void {
  sqliteConnections.set(db, connection);
}

/** A read a store runs often: its parameters in, what the knex query would have answered out. */
export type PreparedRead<P, R> = (params: P) => Promise<R>;

/** The compiled form of a read: its SQL and, for each binding, a parameter name or a constant. */
interface Compiled {
  sql: string;
  method: 'first' | 'select';
  bindings: Array<{ param: string } | { value: unknown }>;
}

const markerPrefix = '\u0000cleave-param:';
const marker = (name: string) => `${markerPrefix}${name}\u0000`;
const markerPattern = /^\u0000cleave-param:(.*)\u0000$/;

/** Values SQLite binds as knex would (knex's better-sqlite3 client turns dates and booleans into numbers). */
function bindable(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
      return value;
    case 'boolean':
      return Number(value);
    case 'object':
      if (value instanceof Date) return value.valueOf();
      if (Buffer.isBuffer(value)) return value;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Builds the query once with a marker for each parameter and keeps its SQL. Returns undefined when the query is
 * not one the fast path can run exactly as knex would: not a plain `select` or `first`, a parameter that did not
 * become a binding of its own (used in a condition, in raw SQL, or changed by knex, as `limit` does), or a
 * client that post-processes responses.
 */
function compile<P>(db: Knex, build: (db: Knex, params: P) => Knex.QueryBuilder): Compiled | undefined {
  if (db.client.config.postProcessResponse || db.client.config.wrapIdentifier) return undefined;
  const accessed = new Set<string>();
  const params = new Proxy({} as Record<string, unknown>, {
    get: (_target, name) => {
      if (typeof name !== 'string') return undefined;
      accessed.add(name);
      return marker(name);
    },
  }) as P;
  let native: { sql: string; bindings: readonly unknown[]; method?: string };
  // knex warns about markers where it wants numbers (limit, offset); such a read is left to knex, unwarned here.
  const logger = (db.client as { logger?: { warn?: unknown } }).logger;
  const warn = logger?.warn;
  if (logger) logger.warn = () => undefined;
  try {
    native = build(db, params).toSQL() as unknown as typeof native;
  } catch {
    return undefined;
  } finally {
    if (logger) logger.warn = warn;
  }
  if (native.method !== 'first' && native.method !== 'select') return undefined;
  if (native.sql.includes(markerPrefix)) return undefined;
  const used = new Set<string>();
  const bindings = native.bindings.map((binding) => {
    const match = typeof binding === 'string' ? markerPattern.exec(binding) : null;
    if (!match) return { value: binding };
    used.add(match[1]);
    return { param: match[1] };
  });
  for (const name of accessed) if (!used.has(name)) return undefined;
  if (bindings.some((b) => 'value' in b && typeof b.value === 'string' && b.value.includes(markerPrefix))) return undefined;
  // `first()` ends in `limit ?` bound to 1; better-sqlite3's get() reads the first row alone, and SQLite runs the
  // statement without a bound limit in about half the time.
  const last = bindings[bindings.length - 1];
  if (native.method === 'first' && native.sql.endsWith(' limit ?') && last && 'value' in last && last.value === 1) {
    return { sql: native.sql.slice(0, -' limit ?'.length), method: 'first', bindings: bindings.slice(0, -1) };
  }
  return { sql: native.sql, method: native.method, bindings };
}

/**
 * A read that a store builds once with knex and runs many times. `build` makes the query from the parameters,
 * using each parameter only as a value (`where({ id: p.id })`), never to decide the query's shape.
 *
 * On a module's SQLite database, outside a transaction, the read runs as a prepared statement held on the
 * connection whenever the connection is free, skipping knex's query building and pool: same SQL, same bindings,
 * same rows. Everywhere else (PostgreSQL, inside a transaction, while the connection is busy, with a parameter
 * that is null, an array or an object, or for a query the fast path cannot reproduce) it is the knex query that
 * `build` makes, so module code stays the same on every database.
 *
 * Guarantee: a prepared read answers what `build(db, params)` would answer at that moment.
 */
export function preparedRead<P extends object, B extends Knex.QueryBuilder>(
  db: Knex | Knex.Transaction,
  build: (db: Knex, params: P) => B,
): PreparedRead<P, Awaited<B>> {
  const viaKnex = (params: P) => Promise.resolve(build(db as Knex, params)) as Promise<Awaited<B>>;
  const connectionOf = (db as Knex.Transaction).isTransaction ? undefined : sqliteConnections.get(db as Knex);
  if (!connectionOf) return viaKnex;
  const pool = (db as Knex).client.pool as
    | { numUsed(): number; numPendingAcquires(): number; numPendingCreates(): number }
    | undefined;
  let compiled: Compiled | undefined | null = null;
  let heldOn: SqliteConnection | undefined;
  let statement: SqliteStatement | undefined;
  return (params) => {
    compiled ??= compile(db as Knex, build);
    const connection = connectionOf();
    if (!compiled || !connection?.open || !pool || pool.numUsed() > 0 || pool.numPendingAcquires() > 0 || pool.numPendingCreates() > 0) {
      return viaKnex(params);
    }
    const values: unknown[] = new Array(compiled.bindings.length);
    for (let i = 0; i < compiled.bindings.length; i++) {
      const binding = compiled.bindings[i];
      const value = bindable('param' in binding ? (params as Record<string, unknown>)[binding.param] : binding.value);
      if (value === undefined) return viaKnex(params);
      values[i] = value;
    }
    try {
      if (heldOn !== connection) {
        statement = connection.prepare(compiled.sql);
        heldOn = connection;
      }
      const result = compiled.method === 'first' ? statement!.get(...values) : statement!.all(...values);
      return Promise.resolve(result as Awaited<B>);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
