import type { Knex } from 'knex';

/**
 * An expiring id set: ids kept at least one window and at most two, for deduplicating redeliveries without
 * keeping every id forever. Ids live in two generation tables, `<name>_0` and `<name>_1`; new ids go to the
 * current one and lookups check both. Once a window has passed since the last switch, `rotate` empties the
 * previous generation (SQLite: a whole-table DELETE that frees its pages for reuse; PostgreSQL: TRUNCATE, which
 * leaves no dead tuples for autovacuum) and makes it the current one. The switch is recorded in the row `name`
 * of `cleave_expiring_ids`, so several hosts sharing a store agree on it, and a compare-and-set makes only one of
 * two racing switches happen. No claim straddles a switch, so an id claimed within the last window is always
 * found: on SQLite writes are serial; on PostgreSQL a claim holds a shared advisory lock of the set until its
 * transaction ends and a switch takes it exclusively (a lock in memory: no row is written to take it).
 */
export interface ExpiringIds {
  /**
   * Claims keys given flat (`columns.length` values per key) inside the caller's transaction and returns the
   * keys claimed for the first time, each as its values; the others were claimed before, within the window.
   * Racing transactions claim each key once.
   */
  claim(keys: Knex.Value[]): Promise<Knex.Value[][]>;
  /** Empties the older generation once `windowMs` has passed since the last switch; true when it switched. */
  rotate(windowMs: number, now?: number): Promise<boolean>;
  /** Ids held by both generations, as rows in the store. */
  size(): Promise<number>;
}

/** The name of an expiring id set and its key columns (text). */
export interface ExpiringIdsSpec {
  name: string;
  columns: readonly string[];
}

/** The table of generation switches, created by the kernel's migrations in every module's store. */
export const expiringIdsState = 'cleave_expiring_ids';

const isSqlite = (db: Knex | Knex.Transaction) => db.client.config.client === 'better-sqlite3';
const tableOf = (name: string, generation: number) => `${name}_${generation}`;

/** SQLite's limit of bound values per statement (PostgreSQL allows more). */
const maxBindings = 32_766;
/** Pages (4 KiB) returned to the file system per `incremental_vacuum` step; steps run one after another. */
const vacuumStep = 2048;
const maxVacuumSteps = 64;

/** The rows of a raw query on either store: better-sqlite3 answers an array, pg a result holding `rows`. */
const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/**
 * Creates an expiring id set's two generations (SQLite: WITHOUT ROWID, one b-tree on the key) and its state row.
 * For migrations; `cleave_expiring_ids` must exist (the kernel's migrations create it).
 */
export async function createExpiringIds(db: Knex, { name, columns }: ExpiringIdsSpec, now = Date.now()): Promise<void> {
  for (const generation of [0, 1]) {
    const create = db.schema.createTable(tableOf(name, generation), (table) => {
      for (const column of columns) table.text(column).notNullable();
      table.primary([...columns]);
    });
    if (isSqlite(db)) await db.raw(`${create.toString()} without rowid`);
    else await create;
  }
  await db(expiringIdsState).insert({ name, current: 0, switched_at: now });
}

/** Drops an expiring id set (a migration's `down`). */
export async function dropExpiringIds(db: Knex, name: string): Promise<void> {
  await db(expiringIdsState).where({ name }).delete();
  for (const generation of [0, 1]) await db.schema.dropTableIfExists(tableOf(name, generation));
}

/** SQLite: takes the write lock with an update that changes nothing (see `lockSet`). */
const sqliteLock = `update ${expiringIdsState} set current = current where name = ? and 0`;
/** The current generation of a set. */
const selectCurrent = `select current from ${expiringIdsState} where name = ?`;

/** The generation read from the state row of `name`; a missing row means the set's migrations were not applied. */
function generationOf(name: string, row: { current: number | string } | undefined): number {
  if (!row) throw new Error(`expiring id set ${name} has no state row; are its migrations applied?`);
  return Number(row.current);
}

/**
 * Makes a claim and a switch wait for each other until the transaction ends. PostgreSQL: the set's advisory lock
 * (shared by claims, exclusive for a switch). SQLite: the write lock, taken first by an update that changes
 * nothing, so that a transaction of another connection sharing the file is waited for (busy timeout) rather than
 * failing the claim when its read would have to become a write.
 */
async function lockSet(db: Knex | Knex.Transaction, name: string, mode: 'shared' | 'exclusive'): Promise<void> {
  if (isSqlite(db)) {
    await db.raw(sqliteLock, [name]);
    return;
  }
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await db.raw(`select ${lock}(hashtext(current_schema() || '.${expiringIdsState}.' || ?))`, [name]);
}

/** The current generation of `name`, read so that no switch happens before the caller's transaction ends. */
async function currentOf(db: Knex | Knex.Transaction, name: string): Promise<number> {
  await lockSet(db, name, 'shared');
  return generationOf(name, rowsOf<{ current: number }>(await db.raw(selectCurrent, [name]))[0]);
}

/**
 * `currentOf` on the connection of a SQLite transaction, with statements the connection keeps prepared: the same
 * two statements, without building them through knex on every claim.
 */
function currentOnConnection(conn: SqliteConnection, name: string): number {
  conn.prepare(sqliteLock).run(name);
  return generationOf(name, conn.prepare(selectCurrent).get(name) as { current: number } | undefined);
}

/** The expiring id set `spec` on a connection or transaction (claims belong in the transaction of their effect). */
export function expiringIds(db: Knex | Knex.Transaction, spec: ExpiringIdsSpec): ExpiringIds {
  const { name, columns } = spec;
  const width = columns.length;
  const list = columns.join(', ');
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const perStatement = Math.floor(maxBindings / width) * width;
  const fresh = columns.map((column, i) => `v.column${i + 1}`).join(', ');
  const same = columns.map((column, i) => `o.${column} = v.column${i + 1}`).join(' and ');

  /**
   * PostgreSQL (and SQLite outside a transaction): one statement per chunk; keys not in the older generation go
   * into the current one, and those inserted come back.
   */
  const insertNew = async (current: number, flat: Knex.Value[]): Promise<Knex.Value[][]> => {
    const claimed: Knex.Value[][] = [];
    const older = tableOf(name, 1 - current);
    for (let start = 0; start < flat.length; start += perStatement) {
      const chunk = flat.slice(start, start + perStatement);
      const values = Array(chunk.length / width).fill(tuple).join(', ');
      const sql =
        `insert into ${tableOf(name, current)} (${list}) select ${fresh} from (values ${values}) v ` +
        `where not exists (select 1 from ${older} o where ${same}) on conflict do nothing returning ${list}`;
      for (const row of rowsOf<Record<string, Knex.Value>>(await db.raw(sql, chunk))) claimed.push(columns.map((column) => row[column]));
    }
    return claimed;
  };

  /**
   * SQLite: one single-row statement per key, prepared once and kept by the connection, run synchronously inside
   * the transaction: a statement of many rows would be prepared anew for each number of keys.
   */
  const insertEach = async (flat: Knex.Value[]): Promise<Knex.Value[][]> => {
    const conn = (await db.client.acquireConnection()) as SqliteConnection;
    const current = currentOnConnection(conn, name);
    const key = columns.map((column) => `? as ${column}`).join(', ');
    const match = columns.map((column) => `${column} = ?`).join(' and ');
    const statement = conn.prepare(
      `insert into ${tableOf(name, current)} (${list}) select ${key} ` +
        `where not exists (select 1 from ${tableOf(name, 1 - current)} where ${match}) on conflict do nothing`,
    );
    const claimed: Knex.Value[][] = [];
    for (let start = 0; start < flat.length; start += width) {
      const values = flat.slice(start, start + width);
      if (statement.run(...values, ...values).changes === 1) claimed.push(values);
    }
    return claimed;
  };

  return {
    async claim(keys) {
      if (keys.length === 0) return [];
      if (isSqlite(db) && db.isTransaction) return insertEach(keys);
      return insertNew(await currentOf(db, name), keys);
    },

    async rotate(windowMs, now = Date.now()) {
      const switched = await db.transaction(async (trx) => {
        await lockSet(trx, name, 'exclusive');
        // One statement that both checks and switches: of two racing hosts, the second finds the switch made.
        const changed = await trx(expiringIdsState)
          .where({ name })
          .andWhere('switched_at', '<=', now - windowMs)
          .update({ current: trx.raw('1 - current'), switched_at: now });
        if (changed !== 1) return false;
        const next = Number((await trx(expiringIdsState).where({ name }).first('current')).current);
        if (isSqlite(trx)) await trx(tableOf(name, next)).delete();
        else await trx.raw(`truncate table ${tableOf(name, next)}`);
        return true;
      });
      if (switched) await reclaimFreePages(db);
      return switched;
    },

    async size() {
      let total = 0;
      for (const generation of [0, 1]) {
        const row = await db(tableOf(name, generation)).count({ n: '*' }).first();
        total += Number(row?.n ?? 0);
      }
      return total;
    },
  };
}

interface SqliteConnection {
  pragma(sql: string, options: { simple: true }): unknown;
  prepare(sql: string): { run(...values: unknown[]): { changes: number }; get(...values: unknown[]): unknown };
}

/**
 * Returns a SQLite file's free pages to the file system in bounded steps, when the file was created with
 * `auto_vacuum = INCREMENTAL`; otherwise its free pages stay for reuse by later writes. Each step of
 * `incremental_vacuum` moves one page, and better-sqlite3 steps a statement that returns no columns once per run:
 * so a batch of runs is one step of ours, on the connection taken from the pool and given back between steps.
 */
export async function reclaimFreePages(db: Knex | Knex.Transaction): Promise<void> {
  if (!isSqlite(db)) return;
  for (let step = 0; step < maxVacuumSteps; step++) {
    const conn = (await db.client.acquireConnection()) as SqliteConnection;
    try {
      if (Number(conn.pragma('auto_vacuum', { simple: true })) !== 2) return;
      const free = Number(conn.pragma('freelist_count', { simple: true }));
      if (free === 0) return;
      const vacuum = conn.prepare('pragma incremental_vacuum');
      for (let page = Math.min(free, vacuumStep); page > 0; page--) vacuum.run();
    } finally {
      await db.client.releaseConnection(conn);
    }
  }
}
