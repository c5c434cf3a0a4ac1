import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';

/** Where a module's data lives. */
export interface StoreOptions {
  /** Folder of the SQLite files, or `:memory:` for throwaway in-memory stores. */
  dataDir: string;
  /** A PostgreSQL URL; when set, each module gets its own schema there instead of a SQLite file. */
  url?: string;
}

/** The schema a module's tables live in on PostgreSQL. */
export const schemaOf = (module: string) => module.replace(/-/g, '_');

/**
 * Opens a module's own store: `<dataDir>/<module>.sqlite` (WAL, busy timeout) or, with a PostgreSQL URL,
 * a pool whose `search_path` is the module's own schema (created when missing).
 */
export async function openStore(module: string, options: StoreOptions): Promise<Knex> {
  if (options.url) return openPostgres(module, options.url);
  return openSqlite(module, options.dataDir);
}

function openSqlite(module: string, dataDir: string): Knex {
  let filename = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true });
    filename = join(dataDir, `${module}.sqlite`);
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

async function openPostgres(module: string, url: string): Promise<Knex> {
  const schema = schemaOf(module);
  const db = knexFactory({
    client: 'pg',
    connection: url,
    searchPath: [schema],
    pool: { min: 0, max: 10 },
  });
  await db.raw('create schema if not exists ??', [schema]);
  return db;
}
