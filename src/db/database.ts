import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Logger } from 'pino';

/** Where a module's data lives. */
export interface DatabaseOptions {
  /** Folder of the SQLite files, or `:memory:` for throwaway in-memory databases. */
  dataDir: string;
  /** A PostgreSQL URL; when set, each module gets its own schema there instead of a SQLite file. */
  url?: string;
  /** Where the database's own warnings go (a lost connection, a slow acquire), as JSON log lines; else to stderr as knex writes them. */
  log?: Logger;
}

/** The schema a module's tables live in on PostgreSQL. */
export const schemaOf = (module: string) => module.replace(/-/g, '_');

/**
 * Opens a module's own database: `<dataDir>/<module>.sqlite` (WAL, busy timeout) or, with a PostgreSQL URL,
 * a pool whose `search_path` is the module's own schema (created when missing).
 */
export async function openDatabase(module: string, options: DatabaseOptions): Promise<Knex> {
  if (options.url) return openPostgres(module, options.url, options.log);
  return openSqlite(module, options.dataDir);
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

function openSqlite(module: string, dataDir: string): Knex {
  let filename = ':memory:';
  if (dataDir !== ':memory:') {
    filename = join(dataDir, `${module}.sqlite`);
    ownerOnly(dataDir, filename);
  }
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        cacheStatements(conn);
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        // Checkpoint every 8000 pages (32 MiB) instead of 1000: under steady ingestion the default checkpoints
        // (each with an fsync) several times a second and cost a good share of write throughput.
        conn.pragma('wal_autocheckpoint = 8000');
        conn.pragma('foreign_keys = ON');
        done(null, conn);
      },
    },
  });
}

/**
 * A database holds password hashes and signing keys: a data folder Cleave creates is the owner's alone (0700), and
 * each database file is made or kept owner-only (0600); SQLite gives its WAL and shared-memory files the same mode.
 */
function ownerOnly(dataDir: string, filename: string): void {
  if (mkdirSync(dataDir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dataDir, 0o700);
  closeSync(openSync(filename, 'a', 0o600));
  chmodSync(filename, 0o600);
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
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

async function openPostgres(module: string, url: string, log?: Logger): Promise<Knex> {
  const schema = schemaOf(module);
  const db = knexFactory({
    client: 'pg',
    // A database that does not answer fails a request as UNAVAILABLE within the bus' default 5 s request
    // timeout, rather than after knex's 60 s; the pool opens new connections once it is back.
    connection: { connectionString: url, connectionTimeoutMillis: 2000 },
    acquireConnectionTimeout: 4000,
    searchPath: [schema],
    pool: { min: 0, max: 10 },
    log: knexLog(log),
  });
  await db.raw('create schema if not exists ??', [schema]);
  return db;
}
