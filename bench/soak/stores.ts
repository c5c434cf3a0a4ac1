import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The tables counted as bookkeeping, the one list to adjust when they change: the kernel's tables in every
 * module's store (`cleave_outbox`, `cleave_inbox`, `cleave_dead_letters`) and telemetry's seen message ids.
 * Every other table (bar SQLite's own and the migration records) is the module's domain data.
 */
export const bookkeepingTables: RegExp[] = [/^cleave_/, /seen/];

/** SQLite's own tables and the migration records: neither data nor bookkeeping. */
const schemaTables: RegExp[] = [/^sqlite_/, /^cleave_(kernel_)?migrations(_lock)?$/];

export type TableClass = 'bookkeeping' | 'data' | 'schema';

/** One table of one store, with its indexes, in bytes of pages. */
export interface TableSize {
  store: string;
  table: string;
  kind: TableClass;
  bytes: number;
}

/** What the data folder holds at one moment. */
export interface StoreMeasure {
  /** Bytes of every store file (`*.sqlite`, `-wal`, `-shm`). */
  diskBytes: number;
  /** Rows in telemetry's `readings`. */
  readings: number;
  bookkeepingBytes: number;
  dataBytes: number;
  /** Outbox rows not yet published, over every store; undefined when a store has no such table. */
  outbox?: number;
  /** Inbox rows not yet handled (`status = 'pending'`), over every store. */
  inbox?: number;
  tables: TableSize[];
}

export function classify(table: string): TableClass {
  if (schemaTables.some((pattern) => pattern.test(table))) return 'schema';
  return bookkeepingTables.some((pattern) => pattern.test(table)) ? 'bookkeeping' : 'data';
}

const storeFile = /\.sqlite(-wal|-shm)?$/;

/** Reads sizes (SQLite's `dbstat`: every b-tree's pages, indexes counted with their table), counts and backlog. */
export function measureStores(dataDir: string): StoreMeasure {
  const measure: StoreMeasure = { diskBytes: diskBytes(dataDir), readings: 0, bookkeepingBytes: 0, dataBytes: 0, outbox: 0, inbox: 0, tables: [] };
  eachStore(dataDir, (db, store) => {
    for (const { tbl, bytes } of tableSizes(db)) {
      const kind = classify(tbl);
      measure.tables.push({ store, table: tbl, kind, bytes });
      if (kind === 'bookkeeping') measure.bookkeepingBytes += bytes;
      if (kind === 'data') measure.dataBytes += bytes;
    }
    if (store === 'telemetry') measure.readings = count(db, 'select count(*) as n from readings') ?? 0;
    addBacklog(measure, db);
  });
  return measure;
}

/**
 * What a soak reads every interval, without holding up the host it measures: file sizes, each store's used pages
 * (`page_count - freelist_count`, read from the header), the bookkeeping tables' bytes alone (`dbstat` limited to
 * their names) and the backlog. Data is the rest of the used pages. Reading every page of every table instead
 * (as `measureStores` does, and a count of the readings) took seconds each minute once the files had grown past a
 * gigabyte, on the same cores as the host, and held a read transaction that long: the log could not start over
 * meanwhile, and the host's commits slowed. `readings` is left 0; the caller knows what was acknowledged.
 */
export function glanceStores(dataDir: string): StoreMeasure {
  const measure: StoreMeasure = { diskBytes: diskBytes(dataDir), readings: 0, bookkeepingBytes: 0, dataBytes: 0, outbox: 0, inbox: 0, tables: [] };
  eachStore(dataDir, (db, store) => {
    const page = (name: string) => Number(db.pragma(name, { simple: true }));
    let rest = (page('page_count') - page('freelist_count')) * page('page_size');
    const tables = db.prepare("select name from sqlite_schema where type = 'table'").pluck().all() as string[];
    for (const table of tables) {
      const kind = classify(table);
      if (kind === 'data') continue;
      const bytes = tableBytes(db, table);
      measure.tables.push({ store, table, kind, bytes });
      if (kind === 'bookkeeping') measure.bookkeepingBytes += bytes;
      rest -= bytes;
    }
    measure.dataBytes += Math.max(0, rest);
    addBacklog(measure, db);
  });
  return measure;
}

/** Outbox rows not yet published and inbox rows not yet handled, over every store of the folder. */
export function backlog(dataDir: string): { outbox?: number; inbox?: number } {
  const total = { outbox: 0 as number | undefined, inbox: 0 as number | undefined };
  eachStore(dataDir, (db) => addBacklog(total, db));
  return total;
}

const diskBytes = (dataDir: string) =>
  readdirSync(dataDir)
    .filter((file) => storeFile.test(file))
    .reduce((sum, name) => sum + statSync(join(dataDir, name)).size, 0);

/** Calls `read` with each store of the folder, opened read-only, and closes it after. */
function eachStore(dataDir: string, read: (db: Database.Database, store: string) => void): void {
  for (const name of readdirSync(dataDir).filter((file) => file.endsWith('.sqlite'))) {
    const db = new Database(join(dataDir, name), { readonly: true, fileMustExist: true });
    try {
      read(db, name.replace(/\.sqlite$/, ''));
    } finally {
      db.close();
    }
  }
}

/** Adds a store's backlog to `total`; a count becomes undefined once a store lacks the table. */
function addBacklog(total: { outbox?: number; inbox?: number }, db: Database.Database): void {
  total.outbox = add(total.outbox, count(db, 'select count(*) as n from cleave_outbox'));
  total.inbox = add(total.inbox, count(db, "select count(*) as n from cleave_inbox where status = 'pending'"));
}

/** Bytes of each table with its indexes; better-sqlite3's SQLite is built with `dbstat`, which this needs. */
function tableSizes(db: Database.Database): Array<{ tbl: string; bytes: number }> {
  try {
    return db
      .prepare('select coalesce(m.tbl_name, s.name) as tbl, sum(s.pgsize) as bytes from dbstat s left join sqlite_schema m on m.name = s.name group by tbl')
      .all() as Array<{ tbl: string; bytes: number }>;
  } catch (err) {
    if (/no such table: dbstat/.test((err as Error).message)) throw new Error('this SQLite build has no dbstat table (SQLITE_ENABLE_DBSTAT_VTAB): table sizes cannot be read');
    throw err;
  }
}

/** Bytes of one table with its indexes, reading their pages alone. */
function tableBytes(db: Database.Database, table: string): number {
  const names = db.prepare('select name from sqlite_schema where tbl_name = ?').pluck().all(table) as string[];
  const size = db.prepare('select pgsize from dbstat where name = ? and aggregate = true').pluck();
  return names.reduce((sum, name) => sum + Number(size.get(name) ?? 0), 0);
}

function count(db: Database.Database, sql: string): number | undefined {
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } catch {
    return undefined;
  }
}

const add = (total: number | undefined, n: number | undefined) => (total === undefined || n === undefined ? undefined : total + n);
