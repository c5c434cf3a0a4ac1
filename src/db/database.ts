import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';
import { databaseKeyOf, databaseUrlOf } from '../config/modules.js';
import type { CleaveConfig } from '../config/schema.js';
import { checkpointInBackground } from './checkpointer.js';
import { registerSqliteConnection, type SqliteConnection as ReadableSqlite } from './prepared-read.js';

/** Where a module's data lives. */
export interface DatabaseOptions {
  /** Folder of the SQLite files, or `:memory:` for throwaway in-memory databases. */
  dataDir: string;
  /**
   * A PostgreSQL URL (the module gets its own schema there), or `sqlite:<path>` or a file path (the module's
   * own SQLite file); empty uses `<dataDir>/<module>.sqlite`.
   */
  url?: string;
  /** The config key `url` came from, named in errors: `db.url` or `<module>.db.url`. */
  key?: string;
  /** Most connections of a PostgreSQL pool (config `db.poolMax`); SQLite always uses one. Default 10. */
  poolMax?: number;
  /** Where the database's own warnings go (a lost connection, a slow acquire), as JSON log lines; else to stderr as knex writes them. */
  log?: Logger;
}

/** The schema a module's tables live in on PostgreSQL. */
export const schemaOf = (module: string) => module.replace(/-/g, '_');

/** Where `module` keeps its data by `config`: its own `<module>.db.url` when set, else `db.url`, else `db.dataDir`. */
export function databaseOf(config: CleaveConfig, module: string, log?: Logger): DatabaseOptions {
  const own = databaseUrlOf(config, module);
  const poolMax = config.db.poolMax;
  if (own) return { dataDir: config.db.dataDir, url: own, key: databaseKeyOf(module), poolMax, log };
  return { dataDir: config.db.dataDir, url: config.db.url, key: 'db.url', poolMax, log };
}

const isPostgres = (url: string) => /^postgres(ql)?:\/\//i.test(url);
const sqliteFile = (url: string) => url.replace(/^sqlite:/, '');

/**
 * Opens a module's own database: `<dataDir>/<module>.sqlite` or a SQLite file of its own (WAL, busy timeout)
 * or, with a PostgreSQL URL, a pool whose `search_path` is the module's own schema (created when missing).
 * @throws {Error} naming the module and the config key when the database cannot be opened.
 */
export async function openDatabase(module: string, options: DatabaseOptions): Promise<Knex> {
  try {
    if (options.url && isPostgres(options.url)) return await openPostgres(module, options.url, options.poolMax ?? 10, options.log);
    if (options.url) return openSqlite(sqliteFile(options.url));
    return openSqlite(options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, `${module}.sqlite`));
  } catch (err) {
    const where = options.url ? options.key ?? 'db.url' : 'db.dataDir';
    throw new Error(`cannot open the database of module ${module} (${where}): ${(err as Error).message}`, { cause: err });
  }
}

/** Where a module's data is, for people: a SQLite file, or a PostgreSQL schema with the URL's secrets left out. */
export function describeDatabase(module: string, options: DatabaseOptions): string {
  if (options.url && isPostgres(options.url)) {
    const url = new URL(options.url);
    return `postgres://${url.host}${url.pathname} schema ${schemaOf(module)}`;
  }
  if (options.url) return sqliteFile(options.url);
  return options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, `${module}.sqlite`);
}

/** knex's logger as one-line JSON log entries (knex writes plain text to the console otherwise). */
function knexLog(log: Logger | undefined): Knex.Config['log'] {
  const line = (message: unknown) => String(message).split('\n')[0];
  if (!log) return undefined;
  return {
    warn: (message: unknown) => log.warn(line(message)),
    error: (message: unknown) => log.error(line(message)),
    deprecate: (message: unknown) => log.debug(line(message)),
    debug: (message: unknown) => log.debug(line(message)),
  };
}

function openSqlite(filename: string): Knex {
  if (filename !== ':memory:') ownerOnly(dirname(filename), filename);
  let connection: SqliteConnection | undefined;
  const db = knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        cacheStatements(conn);
        // Takes effect only on a new, empty file: freed pages can then be handed back (see reclaimFreePages). A file
        // made before keeps its mode, and its free pages are reused by later writes rather than returned.
        conn.pragma('auto_vacuum = INCREMENTAL');
        // NORMAL before WAL: turning a new file to WAL then syncs less (a fresh start opens one file per module).
        conn.pragma('synchronous = NORMAL');
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
        if (filename !== ':memory:') checkpointApart(conn, filename);
        connection = conn;
        done(null, conn);
      },
    },
  });
  registerSqliteConnection(db, () => connection as unknown as ReadableSqlite | undefined);
  return db;
}

/**
 * A database holds password hashes and signing keys: a folder Cleave creates for one is the owner's alone (0700), and
 * each database file is made or kept owner-only (0600); SQLite gives its WAL and shared-memory files the same mode.
 */
function ownerOnly(dir: string, filename: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
  closeSync(openSync(filename, 'a', 0o600));
  chmodSync(filename, 0o600);
}

/**
 * Leaves checkpoints to a thread of its own: one run by the committing connection (SQLite's autocheckpoint)
 * copies the log into the database and syncs both on the event loop, which held it up for tens of milliseconds
 * every few seconds under steady ingestion. The connection still checkpoints past 32000 pages (128 MiB), should
 * the thread fall behind. Closing waits for the thread to let go of the file first, so that the connection's own
 * close is the last: it removes the log, and the files no longer change once the database is closed.
 */
function checkpointApart(conn: SqliteConnection, filename: string): void {
  conn.pragma('wal_autocheckpoint = 32000');
  const stop = checkpointInBackground(filename);
  const close = conn.close.bind(conn);
  conn.close = () => stop().then(() => close());
}

interface SqliteConnection {
  readonly open: boolean;
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
  close(): unknown;
}

const cachedStatements = 256;
const longestCachedSql = 16_384;

/**
 * Reuses prepared statements: knex prepares every query anew, and preparing costs more than running a small
 * one. Statements are safe to share on one connection because better-sqlite3 runs them to completion.
 */
function cacheStatements(conn: SqliteConnection): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = prepare(sql);
      if (sql.length > longestCachedSql) return statement;
      if (cache.size >= cachedStatements) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
}

async function openPostgres(module: string, url: string, poolMax: number, log?: Logger): Promise<Knex> {
  const schema = schemaOf(module);
  const db = knexFactory({
    client: 'pg',
    // A database that does not answer fails a request as UNAVAILABLE within the bus' default 5 s request
    // timeout, rather than after knex's 60 s; the pool opens new connections once it is back.
    connection: { connectionString: url, connectionTimeoutMillis: 2000 },
    acquireConnectionTimeout: 4000,
    searchPath: [schema],
    pool: { min: 0, max: poolMax },
    log: knexLog(log),
  });
  await db.raw('create schema if not exists ??', [schema]);
  return db;
}
